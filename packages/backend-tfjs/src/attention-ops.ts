/**
 * Scaled dot-product attention from tfjs ops, differentiable (the encoder and the trainer use it too).
 *
 * Shape legend: B batch, Hq/Hkv query/key-value heads, G = Hq / Hkv (query head h reads key/value head
 * floor(h / G)), Sq query rows, T keys, Dk/Dv head sizes.
 *
 * Grouped heads need no copies: `[B, Hq, Sq, Dk]` is `[B·Hkv, G·Sq, Dk]` in memory, so one batched matMul
 * per key/value head serves its whole group. The score matrix `[B, Hq, Sq, T]` is materialised (callers
 * chunk the query rows to bound it).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { WeightsKind } from '@attnkit/core';

/** Settings of one attention evaluation. */
export interface AttendOptions {
  readonly scale: number;
  /** `0` = no softcap. */
  readonly softcap: number;
  /** Additive bias broadcastable to `[B, Hq, Sq, T]`, `-Infinity` where hidden. */
  readonly bias?: tf.Tensor4D;
  /** Some row of the bias hides every key. */
  readonly emptyRows: boolean;
  /** Which intermediate to return as `weights`. */
  readonly weights: WeightsKind;
}

/** Output `[B, Hq, Sq, Dv]` and, when asked, the weights `[B, Hq, Sq, T]`. */
export interface AttendResult {
  readonly output: tf.Tensor4D;
  readonly weights?: tf.Tensor4D;
}

/**
 * `softmax(softcap(scale·q·kᵀ) + bias)·v` for `q [B, Hq, Sq, Dk]`, `k [B, Hkv, T, Dk]`, `v [B, Hkv, T, Dv]`.
 * Rows that see no key output zeros.
 */
export function attend(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, o: AttendOptions): AttendResult {
  const [B, Hq, Sq, Dk] = q.shape;
  const [, Hkv, T, Dv] = v.shape;
  const G = Hq / Hkv;
  const qs = tf.reshape(tf.mul(q, o.scale), [B * Hkv, G * Sq, Dk]);
  const scores: tf.Tensor4D = tf.reshape(tf.matMul(qs, tf.reshape(k, [B * Hkv, T, Dk]), false, true), [B, Hq, Sq, T]);
  const capped: tf.Tensor4D = o.softcap > 0 ? tf.mul(tf.tanh(tf.div(scores, o.softcap)), o.softcap) : scores;
  const masked: tf.Tensor4D = o.bias ? tf.add(capped, o.bias) : capped;
  const probs = maskedSoftmax(masked, o.emptyRows);
  const output: tf.Tensor4D = tf.reshape(
    tf.matMul(tf.reshape(probs, [B * Hkv, G * Sq, T]), tf.reshape(v, [B * Hkv, T, Dv])),
    [B, Hq, Sq, Dv],
  );
  switch (o.weights) {
    case 'none': return { output };
    case 'scores': return { output, weights: scores };
    case 'softcapped': return { output, weights: capped };
    case 'masked': return { output, weights: masked };
    case 'probs': return { output, weights: probs };
  }
}

/**
 * Softmax over the last axis that outputs zeros for a row of `-Infinity` (tfjs's softmax gives NaN
 * there). Its gradient is the softmax Jacobian-vector product `p·(dy - Σ dy·p)`, which stays finite for
 * hidden keys (`p = 0`).
 */
export function maskedSoftmax(x: tf.Tensor4D, emptyRows: boolean): tf.Tensor4D {
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
  return op(x) as tf.Tensor4D;
}

/** Lowest float32; a row maximum of `-Infinity` is raised to it so that `x - max` stays `-Infinity`, not NaN. */
const LOWEST = -3.4028234663852886e38;

function safeSoftmax(s: tf.Tensor): tf.Tensor {
  const max = tf.maximum(tf.max(s, -1, true), LOWEST);
  const e = tf.exp(tf.sub(s, max));
  // A row with a visible key has sum >= 1 (its maximum contributes exp(0)); an empty row has sum 0.
  return tf.div(e, tf.maximum(tf.sum(e, -1, true), 1));
}
