/**
 * The attention kernel: one validated {@link AttentionProblem} in, float32 arrays out, every tensor it
 * made disposed.
 *
 * Shape legend: B batch, Hq/Hkv heads, G = Hq / Hkv, Sq query length, T = past + new keys, Dk/Dv head sizes.
 *
 * Memory: the scores of a chunk of query rows, `B·Hq·rows·T` floats, at most `chunkElements` (at least
 * one row), plus its bias; the inputs and outputs besides. Requested weights are returned whole,
 * `B·Hq·Sq·T` floats.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionOutput, AttentionProblem, AttentionSetup } from '@attnkit/core';
import { buildBias, type AttentionBias } from './attention-bias.js';
import { attend, attendHead, chooseStrategy, type AttentionStrategy, type ScoreOptions } from './attention-ops.js';
import { withRuntime, type TfjsBackendName } from './tfjs-runtime.js';
import { transpose2d } from './weight-layout.js';

/** Largest score chunk, in elements (32 MiB of float32). */
export const CHUNK_ELEMENTS = 1 << 23;

/** Settings of the kernel. */
export interface KernelSettings {
  readonly chunkElements: number;
  readonly strategy: 'auto' | AttentionStrategy;
}

/** A result tensor and where its rows go in the output (or weights) array. (A type, so tfjs's scopes accept it.) */
export type Piece = {
  readonly tensor: tf.Tensor;
  readonly offset: number;
  readonly into: 'output' | 'weights';
};

/**
 * The inputs of one evaluation as tfjs tensors, made on demand inside the caller's scope: from core's
 * arrays ({@link arrayOperands}) or from resident tensors.
 */
export interface Operands {
  /** q `[B, Hq, Sq, Dk]`, k `[B, Hkv, T, Dk]`, v `[B, Hkv, T, Dv]`, for the batched strategy. */
  batched(): { readonly q: tf.Tensor4D; readonly k: tf.Tensor4D; readonly v: tf.Tensor4D };
  /** Per head, for the per-head strategy; called once per evaluation. */
  heads(): HeadOperands;
}

/** One head's inputs, rank 2. */
export interface HeadOperands {
  /** Query rows `[i0, i0 + rows)` of head `h` of batch `b`, multiplied by the scale: `[rows, Dk]`. */
  q(b: number, h: number, i0: number, rows: number): tf.Tensor2D;
  /** The keys of key/value head `kv` (`b·Hkv + h`), transposed: `[Dk, T]`. */
  readonly kT: readonly tf.Tensor2D[];
  /** Its values `[T, Dv]`. */
  readonly v: readonly tf.Tensor2D[];
}

/** How a call is evaluated: the strategy, and the query rows per chunk of scores. */
export interface EvaluationPlan {
  readonly strategy: AttentionStrategy;
  readonly rowsPerChunk: number;
}

/** Chooses the strategy and chunk size of a call on tfjs backend `tfjsBackend`. */
export function planEvaluation(
  tfjsBackend: TfjsBackendName,
  p: AttentionSetup,
  settings: KernelSettings,
): EvaluationPlan {
  const { batch: B, qHeads: Hq, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  // Additive relevance materialises Dk values per score.
  const perRow = B * Hq * T * (p.additive ? Dk : 1);
  const rowsPerChunk = Math.max(1, Math.min(Sq, Math.floor(settings.chunkElements / perRow)));
  // Additive relevance runs batched (its scores are not a matMul).
  const strategy = p.additive
    ? 'batched'
    : settings.strategy === 'auto'
      ? chooseStrategy(tfjsBackend, rowsPerChunk, T, Dk, Dv)
      : settings.strategy;
  return { strategy, rowsPerChunk };
}

/** Runs one attention call on tfjs backend `tfjsBackend`. */
export async function attentionKernel(
  tfjsBackend: TfjsBackendName,
  p: AttentionProblem,
  settings: KernelSettings,
): Promise<AttentionOutput> {
  const plan = planEvaluation(tfjsBackend, p, settings);
  const pieces = await withRuntime(tfjsBackend, () => tf.tidy(() => evaluate(p, plan, arrayOperands(p))));
  try {
    return await readPieces(p, pieces);
  } finally {
    for (const piece of pieces) piece.tensor.dispose();
  }
}

/** Evaluates a call (inside the caller's scope); the pieces tile the output (and weights). */
export function evaluate(p: AttentionSetup, plan: EvaluationPlan, operands: Operands): Piece[] {
  return plan.strategy === 'per-head'
    ? perHead(p, plan.rowsPerChunk, operands.heads())
    : batched(p, plan.rowsPerChunk, operands.batched());
}

/** The pieces' data in fresh arrays (the pieces are the caller's to dispose). */
export async function readPieces(p: AttentionSetup, pieces: readonly Piece[]): Promise<AttentionOutput> {
  const { batch: B, qHeads: Hq, qLength: Sq, keyLength: T, valueDim: Dv } = p;
  const data = await Promise.all(pieces.map((piece) => piece.tensor.data() as Promise<Float32Array>));
  const output = new Float32Array(B * Hq * Sq * Dv);
  const weights = p.attentionMap === 'none' ? undefined : new Float32Array(B * Hq * Sq * T);
  pieces.forEach((piece, i) => (piece.into === 'output' ? output : weights!).set(data[i]!, piece.offset));
  return weights ? { output, attentionMap: weights } : { output };
}

/** The output pieces joined into one tensor `[B, Hq, Sq, Dv]` (inside the caller's scope). */
export function joinOutput(p: AttentionSetup, pieces: readonly Piece[]): tf.Tensor4D {
  const { batch: B, qHeads: Hq, qLength: Sq, valueDim: Dv } = p;
  // Each piece is a run of whole rows of the output at its offset: in offset order, they are the output.
  const rows = pieces
    .filter((piece) => piece.into === 'output')
    .sort((a, b) => a.offset - b.offset)
    .map((piece) => tf.reshape(piece.tensor, [-1, Dv]));
  return tf.reshape(rows.length === 1 ? rows[0]! : tf.concat(rows, 0), [B, Hq, Sq, Dv]);
}

/** Operands from a problem's arrays (core's, which tfjs only reads). */
export function arrayOperands(p: AttentionProblem): Operands {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  return {
    batched: () => ({
      q: tf.tensor4d(p.q, [B, Hq, Sq, Dk]),
      k: tf.tensor4d(p.k, [B, Hkv, T, Dk]),
      v: tf.tensor4d(p.v, [B, Hkv, T, Dv]),
    }),
    heads: () => ({ q: queryRows(p, p.q), ...keyValueHeads(p, p.k, p.v, T) }),
  };
}

/**
 * Per-head keys and values from row-major arrays `[B, Hkv, stride, D]`, of which each head's first `T` rows
 * are used. Keys are transposed once per key/value head, shared by its query heads and every chunk.
 */
export function keyValueHeads(
  p: AttentionSetup,
  k: Float32Array,
  v: Float32Array,
  stride: number,
): Pick<HeadOperands, 'kT' | 'v'> {
  const { batch: B, kvHeads: Hkv, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const kT: tf.Tensor2D[] = [];
  const vs: tf.Tensor2D[] = [];
  for (let kv = 0; kv < B * Hkv; kv++) {
    kT.push(tf.tensor2d(transpose2d(k.subarray(kv * stride * Dk, (kv * stride + T) * Dk), T, Dk), [Dk, T]));
    vs.push(tf.tensor2d(v.subarray(kv * stride * Dv, (kv * stride + T) * Dv), [T, Dv]));
  }
  return { kT, v: vs };
}

/** Per-head query rows from a row-major array `[B, Hq, Sq, Dk]`, scaled in JavaScript. */
export function queryRows(p: AttentionSetup, q: Float32Array): HeadOperands['q'] {
  const { qHeads: Hq, qLength: Sq, keyDim: Dk } = p;
  return (b, h, i0, rows) => {
    const from = ((b * Hq + h) * Sq + i0) * Dk;
    return tf.tensor2d(
      q.subarray(from, from + rows * Dk).map((x) => x * p.scale),
      [rows, Dk],
    );
  };
}

function scoreOptions(p: AttentionSetup, bias: AttentionBias | undefined): ScoreOptions {
  return { softcap: p.softcap, emptyRows: bias?.emptyRows ?? false, weights: p.attentionMap };
}

/** All heads at once, a chunk of query rows at a time; pieces are `[B, Hq, rows, D]` blocks. */
function batched(p: AttentionSetup, rowsPerChunk: number, { q, k, v }: ReturnType<Operands['batched']>): Piece[] {
  const { batch: B, qHeads: Hq, qLength: Sq, keyDim: Dk } = p;
  const additive = p.additive ? tf.tensor2d(p.additive, [Hq, Dk]) : undefined;
  const outputs: tf.Tensor4D[] = [];
  const weights: tf.Tensor4D[] = [];
  for (let i0 = 0; i0 < Sq; i0 += rowsPerChunk) {
    const i1 = Math.min(Sq, i0 + rowsPerChunk);
    // Each chunk in its own scope: only its output (and weights) outlive it.
    const r = tf.tidy(() => {
      const qc = i1 - i0 === Sq ? q : tf.slice(q, [0, 0, i0, 0], [B, Hq, i1 - i0, Dk]);
      const bias = buildBias(p, i0, i1);
      const out = attend(qc, k, v, {
        ...scoreOptions(p, bias),
        scale: p.scale,
        ...(additive ? { additive } : {}),
        ...(bias ? { bias: tf.tensor4d(bias.data, bias.shape) } : {}),
      });
      return out.weights ? [out.output, out.weights] : [out.output];
    });
    outputs.push(r[0]!);
    if (r[1]) weights.push(r[1]);
  }
  const join = (parts: tf.Tensor4D[]): tf.Tensor => (parts.length === 1 ? parts[0]! : tf.concat(parts, 2));
  const pieces: Piece[] = [{ tensor: join(outputs), offset: 0, into: 'output' }];
  if (weights.length > 0) pieces.push({ tensor: join(weights), offset: 0, into: 'weights' });
  return pieces;
}

/** One head at a time with rank-2 matMuls; pieces are one head's chunk of rows. */
function perHead(p: AttentionSetup, rowsPerChunk: number, heads: HeadOperands): Piece[] {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, group: G, qLength: Sq, keyLength: T, valueDim: Dv } = p;
  const pieces: Piece[] = [];
  for (let i0 = 0; i0 < Sq; i0 += rowsPerChunk) {
    const i1 = Math.min(Sq, i0 + rowsPerChunk);
    const rows = i1 - i0;
    const bias = buildBias(p, i0, i1);
    const o = scoreOptions(p, bias);
    const results = tf.tidy(() => {
      const biasTensors = new Map<number, tf.Tensor2D>();
      const biasOf = (b: number, h: number): tf.Tensor2D | undefined => {
        if (!bias) return undefined;
        const [Bb, Hb] = bias.shape;
        const key = (Bb === 1 ? 0 : b) * Hb + (Hb === 1 ? 0 : h);
        let t = biasTensors.get(key);
        if (!t) {
          t = tf.tensor2d(bias.data.subarray(key * rows * T, (key + 1) * rows * T), [rows, T]);
          biasTensors.set(key, t);
        }
        return t;
      };
      const out: tf.Tensor2D[] = [];
      for (let b = 0; b < B; b++)
        for (let h = 0; h < Hq; h++) {
          const kv = b * Hkv + Math.floor(h / G);
          const biasTensor = biasOf(b, h);
          const r = attendHead(
            {
              q: heads.q(b, h, i0, rows),
              kT: heads.kT[kv]!,
              v: heads.v[kv]!,
              ...(biasTensor ? { bias: biasTensor } : {}),
            },
            o,
          );
          out.push(r.output);
          if (r.weights) out.push(r.weights);
        }
      return out;
    });
    const perHeadCount = p.attentionMap === 'none' ? 1 : 2;
    for (let bh = 0; bh < B * Hq; bh++) {
      pieces.push({ tensor: results[bh * perHeadCount]!, offset: (bh * Sq + i0) * Dv, into: 'output' });
      if (perHeadCount === 2)
        pieces.push({ tensor: results[bh * perHeadCount + 1]!, offset: (bh * Sq + i0) * T, into: 'weights' });
    }
  }
  return pieces;
}
