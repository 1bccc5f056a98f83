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
import type { AttentionOutput, AttentionProblem } from '@attnkit/core';
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
type Piece = {
  readonly tensor: tf.Tensor;
  readonly offset: number;
  readonly into: 'output' | 'weights';
};

/** Runs one attention call on tfjs backend `tfjsBackend`. */
export async function attentionKernel(
  tfjsBackend: TfjsBackendName,
  p: AttentionProblem,
  settings: KernelSettings,
): Promise<AttentionOutput> {
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
  const pieces = await withRuntime(tfjsBackend, () =>
    tf.tidy(() => (strategy === 'per-head' ? perHead(p, rowsPerChunk) : batched(p, rowsPerChunk))),
  );
  try {
    const data = await Promise.all(pieces.map((piece) => piece.tensor.data() as Promise<Float32Array>));
    const output = new Float32Array(B * Hq * Sq * Dv);
    const weights = p.attentionMap === 'none' ? undefined : new Float32Array(B * Hq * Sq * T);
    pieces.forEach((piece, i) => (piece.into === 'output' ? output : weights!).set(data[i]!, piece.offset));
    return weights ? { output, attentionMap: weights } : { output };
  } finally {
    for (const piece of pieces) piece.tensor.dispose();
  }
}

function scoreOptions(p: AttentionProblem, bias: AttentionBias | undefined): ScoreOptions {
  return { softcap: p.softcap, emptyRows: bias?.emptyRows ?? false, weights: p.attentionMap };
}

/** All heads at once, a chunk of query rows at a time; pieces are `[B, Hq, rows, D]` blocks. */
function batched(p: AttentionProblem, rowsPerChunk: number): Piece[] {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const q = tf.tensor4d(p.q, [B, Hq, Sq, Dk]);
  const k = tf.tensor4d(p.k, [B, Hkv, T, Dk]);
  const v = tf.tensor4d(p.v, [B, Hkv, T, Dv]);
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
function perHead(p: AttentionProblem, rowsPerChunk: number): Piece[] {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, group: G, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  // Keys (transposed) and values once per key/value head, shared by its G query heads and every chunk.
  const kT: tf.Tensor2D[] = [];
  const v: tf.Tensor2D[] = [];
  for (let kv = 0; kv < B * Hkv; kv++) {
    kT.push(tf.tensor2d(transpose2d(p.k.subarray(kv * T * Dk, (kv + 1) * T * Dk), T, Dk), [Dk, T]));
    v.push(tf.tensor2d(p.v.subarray(kv * T * Dv, (kv + 1) * T * Dv), [T, Dv]));
  }
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
          const from = ((b * Hq + h) * Sq + i0) * Dk;
          const q = p.q.subarray(from, from + rows * Dk).map((x) => x * p.scale);
          const kv = b * Hkv + Math.floor(h / G);
          const biasTensor = biasOf(b, h);
          const r = attendHead(
            { q: tf.tensor2d(q, [rows, Dk]), kT: kT[kv]!, v: v[kv]!, ...(biasTensor ? { bias: biasTensor } : {}) },
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
