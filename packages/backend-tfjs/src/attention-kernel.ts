/**
 * The attention kernel: one validated {@link AttentionProblem} in, float32 arrays out, every tensor it
 * made disposed.
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, T = past + new keys, Dk/Dv head sizes.
 *
 * Memory: the scores of a chunk of query rows, `B·Hq·rows·T` floats, at most {@link CHUNK_ELEMENTS}
 * (at least one row), plus its bias; the inputs and outputs besides. Requested weights are returned
 * whole, `B·Hq·Sq·T` floats.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionOutput, AttentionProblem } from '@attnkit/core';
import { buildBias } from './attention-bias.js';
import { attend } from './attention-ops.js';
import { withEngine, type TfjsEngineName } from './engine.js';

/** Largest score chunk, in elements (32 MiB of float32). */
export const CHUNK_ELEMENTS = 1 << 23;

/** Runs one attention call on tfjs backend `engine`. */
export async function attentionKernel(engine: TfjsEngineName, p: AttentionProblem, chunkElements = CHUNK_ELEMENTS): Promise<AttentionOutput> {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const rowsPerChunk = Math.max(1, Math.floor(chunkElements / (B * Hq * T)));
  const result = await withEngine(engine, () => tf.tidy(() => {
    const q = tf.tensor4d(p.q, [B, Hq, Sq, Dk]);
    const k = tf.tensor4d(p.k, [B, Hkv, T, Dk]);
    const v = tf.tensor4d(p.v, [B, Hkv, T, Dv]);
    const outputs: tf.Tensor4D[] = [];
    const weights: tf.Tensor4D[] = [];
    for (let i0 = 0; i0 < Sq; i0 += rowsPerChunk) {
      const i1 = Math.min(Sq, i0 + rowsPerChunk);
      // Each chunk in its own scope: only its output (and weights) outlive it.
      const r = tf.tidy(() => {
        const qc = i1 - i0 === Sq ? q : tf.slice(q, [0, 0, i0, 0], [B, Hq, i1 - i0, Dk]);
        const bias = buildBias(p, i0, i1);
        const biasTensor = bias ? tf.tensor4d(bias.data, bias.shape) : undefined;
        const out = attend(qc, k, v, {
          scale: p.scale, softcap: p.softcap, emptyRows: bias?.emptyRows ?? false, weights: p.weights,
          ...(biasTensor ? { bias: biasTensor } : {}),
        });
        return out.weights ? [out.output, out.weights] : [out.output];
      });
      outputs.push(r[0]!);
      if (r[1]) weights.push(r[1]);
    }
    const output = outputs.length === 1 ? outputs[0]! : tf.concat(outputs, 2);
    if (weights.length === 0) return [output];
    return [output, weights.length === 1 ? weights[0]! : tf.concat(weights, 2)];
  }));
  try {
    const output = (await result[0]!.data()) as Float32Array;
    if (!result[1]) return { output };
    return { output, weights: (await result[1].data()) as Float32Array };
  } finally {
    for (const t of result) t.dispose();
  }
}
