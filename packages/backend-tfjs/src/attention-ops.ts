/**
 * Scaled dot-product attention from tfjs ops, differentiable (the encoder and the trainer use it too).
 *
 * Shape legend: B batch, Hq/Hkv query/key-value heads, G = Hq / Hkv (query head h reads key/value head
 * floor(h / G)), Sq query rows, T keys, Dk/Dv head sizes.
 *
 * Two strategies with the same results:
 * - `batched`: a few batched ops over all heads. `[B, Hq, Sq, Dk]` is `[B·Hkv, G·Sq, Dk]` in memory, so one
 *   batched matMul per key/value head serves its whole group, without copies.
 * - `per-head`: rank-2 matMuls without transposed operands, one head at a time (`q·kᵀ` as `q·(kᵀ)` with
 *   `kᵀ` materialised). tfjs's wasm backend runs those through its fast matrix-multiply path, several
 *   times faster than its batched or transposed matMul, which pays off once a head's work outweighs the
 *   extra kernel calls.
 * Either way the scores of the rows in hand are materialised (callers chunk the query rows to bound them).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionMapKind } from '@attnkit/core';
import type { TfjsBackendName } from './tfjs-runtime.js';

/** How to evaluate attention on tfjs; see the module notes. */
export type AttentionStrategy = 'batched' | 'per-head';

/**
 * Per-head work, `rows·T·(Dk + Dv)` multiply-adds, from which `auto` goes per head on wasm (measured
 * crossover: about 1M for a forward pass; about 4M under autodiff, whose per-head backward pass costs
 * more kernel calls).
 */
export const PER_HEAD_MIN_WORK = { forward: 1 << 20, training: 1 << 22 } as const;

/** The strategy `auto` picks: per head on wasm for heads with enough work, else batched. */
export function chooseStrategy(
  tfjsBackend: TfjsBackendName,
  rows: number,
  T: number,
  Dk: number,
  Dv: number,
  training = false,
): AttentionStrategy {
  const min = training ? PER_HEAD_MIN_WORK.training : PER_HEAD_MIN_WORK.forward;
  return tfjsBackend === 'wasm' && rows * T * (Dk + Dv) >= min ? 'per-head' : 'batched';
}

/** What turns scores into probabilities, and which intermediate to return. */
export interface ScoreOptions {
  /** `0` = no softcap. */
  readonly softcap: number;
  /** Some row of the bias hides every key. */
  readonly emptyRows: boolean;
  readonly weights: AttentionMapKind;
}

/** Settings of one batched evaluation. */
export interface AttendOptions extends ScoreOptions {
  /** Ignored with `additive`. */
  readonly scale: number;
  /** Additive relevance weights `[Hq, Dk]`: scores `Σ_d w[h, d]·tanh(q[d] + k[d])` instead of `scale·q·k`. */
  readonly additive?: tf.Tensor2D;
  /** Additive bias broadcastable to `[B, Hq, Sq, T]`, `-Infinity` where hidden. */
  readonly bias?: tf.Tensor4D;
}

/** Output and, when asked, the weights. */
export interface AttendResult<R extends tf.Rank> {
  readonly output: tf.Tensor<R>;
  readonly weights?: tf.Tensor<R>;
}

/**
 * Batched: `softmax(softcap(scale·q·kᵀ) + bias)·v` for `q [B, Hq, Sq, Dk]`, `k [B, Hkv, T, Dk]`,
 * `v [B, Hkv, T, Dv]` → `[B, Hq, Sq, Dv]`. Rows that see no key output zeros.
 */
export function attend(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, o: AttendOptions): AttendResult<tf.Rank.R4> {
  const [B, Hq, Sq, Dk] = q.shape;
  const [, Hkv, T, Dv] = v.shape;
  const G = Hq / Hkv;
  const scores: tf.Tensor4D = o.additive
    ? additiveScores(q, k, o.additive)
    : tf.reshape(
        tf.matMul(tf.reshape(tf.mul(q, o.scale), [B * Hkv, G * Sq, Dk]), tf.reshape(k, [B * Hkv, T, Dk]), false, true),
        [B, Hq, Sq, T],
      );
  const s = scoreStages(scores, o.bias, o);
  const output: tf.Tensor4D = tf.reshape(
    tf.matMul(tf.reshape(s.probs, [B * Hkv, G * Sq, T]), tf.reshape(v, [B * Hkv, T, Dv])),
    [B, Hq, Sq, Dv],
  );
  return withWeights(output, scores, s, o.weights);
}

/**
 * Additive scores `[B, Hq, Sq, T]`: `Σ_d w[h, d]·tanh(q[b, h, i, d] + k[b, h/G, j, d])`, differentiable.
 * Materialises `[B·Hq, Sq, T, Dk]` (callers chunk the query rows accordingly).
 */
export function additiveScores(q: tf.Tensor4D, k: tf.Tensor4D, w: tf.Tensor2D): tf.Tensor4D {
  const [B, Hq, Sq, Dk] = q.shape;
  const [, Hkv, T] = k.shape;
  const G = Hq / Hkv;
  // Each query head's key/value head, repeated G times by a broadcast product (differentiable, rank 3).
  const kq = G === 1 ? k : tf.mul(tf.reshape(k, [B * Hkv, 1, T * Dk]), tf.ones([1, G, 1]));
  const sum = tf.add(tf.reshape(q, [B * Hq, Sq, 1, Dk]), tf.reshape(kq, [B * Hq, 1, T, Dk]));
  const wb = tf.reshape(B === 1 ? w : tf.mul(tf.reshape(w, [1, Hq, Dk]), tf.ones([B, 1, 1])), [B * Hq, Dk, 1]);
  return tf.reshape(tf.matMul(tf.reshape(tf.tanh(sum), [B * Hq, Sq * T, Dk]), wb), [B, Hq, Sq, T]);
}

/** One head's inputs, rank 2. */
export interface HeadInputs {
  /** `[rows, Dk]`, already multiplied by the scale. */
  readonly q: tf.Tensor2D;
  /** `[Dk, T]`: the keys, transposed. */
  readonly kT: tf.Tensor2D;
  /** `[T, Dv]` */
  readonly v: tf.Tensor2D;
  /** `[rows, T]` */
  readonly bias?: tf.Tensor2D;
}

/** One head: `softmax(softcap(q·kᵀ) + bias)·v` → `[rows, Dv]`. */
export function attendHead(h: HeadInputs, o: ScoreOptions): AttendResult<tf.Rank.R2> {
  const scores: tf.Tensor2D = tf.matMul(h.q, h.kT);
  const s = scoreStages(scores, h.bias, o);
  const output: tf.Tensor2D = tf.matMul(s.probs, h.v);
  return withWeights(output, scores, s, o.weights);
}

/**
 * Per head, on rank-4 tensors inside a graph (the encoder): splits `q [B, Hq, S, Dk]`, `k`, `v` into
 * heads, runs {@link attendHead} on each with `biasOf(b, h)`, and joins the results to `[B, Hq, S, Dv]`.
 */
export function attendSplit(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  scale: number,
  biasOf: (b: number, h: number) => tf.Tensor2D | undefined,
  o: ScoreOptions,
): AttendResult<tf.Rank.R4> {
  const [B, Hq, Sq, Dk] = q.shape;
  const [, Hkv, T, Dv] = v.shape;
  const G = Hq / Hkv;
  const split = (x: tf.Tensor4D, n: number, shape: [number, number]): tf.Tensor2D[] =>
    tf.split(tf.reshape(x, [n, shape[0] * shape[1]]), n, 0).map((t) => tf.reshape(t, shape));
  const qs = split(tf.mul(q, scale), B * Hq, [Sq, Dk]);
  const kTs = split(tf.transpose(k, [0, 1, 3, 2]), B * Hkv, [Dk, T]);
  const vs = split(v, B * Hkv, [T, Dv]);
  const outputs: tf.Tensor2D[] = [];
  const weights: tf.Tensor2D[] = [];
  for (let b = 0; b < B; b++)
    for (let h = 0; h < Hq; h++) {
      const kv = b * Hkv + Math.floor(h / G);
      const bias = biasOf(b, h);
      const r = attendHead({ q: qs[b * Hq + h]!, kT: kTs[kv]!, v: vs[kv]!, ...(bias ? { bias } : {}) }, o);
      outputs.push(r.output);
      if (r.weights) weights.push(r.weights);
    }
  const output: tf.Tensor4D = tf.reshape(tf.concat(outputs, 0), [B, Hq, Sq, Dv]);
  if (weights.length === 0) return { output };
  return { output, weights: tf.reshape(tf.concat(weights, 0), [B, Hq, Sq, T]) };
}

interface Stages<R extends tf.Rank> {
  readonly capped: tf.Tensor<R>;
  readonly masked: tf.Tensor<R>;
  readonly probs: tf.Tensor<R>;
}

function scoreStages<R extends tf.Rank>(scores: tf.Tensor<R>, bias: tf.Tensor | undefined, o: ScoreOptions): Stages<R> {
  const capped: tf.Tensor<R> = o.softcap > 0 ? tf.mul(tf.tanh(tf.div(scores, o.softcap)), o.softcap) : scores;
  const masked: tf.Tensor<R> = bias ? tf.add(capped, bias) : capped;
  return { capped, masked, probs: maskedSoftmax(masked, o.emptyRows) };
}

function withWeights<R extends tf.Rank>(
  output: tf.Tensor<R>,
  scores: tf.Tensor<R>,
  s: Stages<R>,
  kind: AttentionMapKind,
): AttendResult<R> {
  switch (kind) {
    case 'none':
      return { output };
    case 'scores':
      return { output, weights: scores };
    case 'softcapped':
      return { output, weights: s.capped };
    case 'masked':
      return { output, weights: s.masked };
    case 'probs':
      return { output, weights: s.probs };
  }
}

/**
 * Softmax over the last axis that outputs zeros for a row of `-Infinity` (tfjs's softmax gives NaN
 * there). Its gradient is the softmax Jacobian-vector product `p·(dy - Σ dy·p)`, which stays finite for
 * hidden keys (`p = 0`).
 */
export function maskedSoftmax<T extends tf.Tensor>(x: T, emptyRows: boolean): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const s = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    const p = emptyRows ? safeSoftmax(s) : tf.softmax(s);
    save([p]);
    return {
      value: p,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [y] = saved as [tf.Tensor];
        return tf.mul(y, tf.sub(dy, tf.sum(tf.mul(dy, y), -1, true)));
      },
    };
  });
  return op(x) as T;
}

/** Lowest float32; a row maximum of `-Infinity` is raised to it so that `x - max` stays `-Infinity`, not NaN. */
const LOWEST = -3.4028234663852886e38;

function safeSoftmax(s: tf.Tensor): tf.Tensor {
  const max = tf.maximum(tf.max(s, -1, true), LOWEST);
  const e = tf.exp(tf.sub(s, max));
  // A row with a visible key has sum >= 1 (its maximum contributes exp(0)); an empty row has sum 0.
  return tf.div(e, tf.maximum(tf.sum(e, -1, true), 1));
}
