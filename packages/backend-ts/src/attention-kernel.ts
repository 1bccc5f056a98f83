/**
 * Tiled attention with an online softmax (flash-attention style), in plain TypeScript.
 *
 * Shape legend: B batch, Hq/Hkv heads (query head h reads key/value head floor(h / group)), Sq query
 * length, T total key length, Dk/Dv head sizes. All arrays are rank-4 row-major `[B, H, S, D]`.
 *
 * Per (batch, head), queries are processed in tiles of `TILE_Q` rows; for each tile only the key tiles of
 * `TILE_K` keys that intersect some row's visible band (core's `keyBand`) are visited, so causal attention
 * skips the upper triangle and a window of w costs O(S·w). Each key tile's scores live in a
 * `TILE_Q × TILE_K` scratch; running maxima and sums rescale the output accumulator. Memory beyond the
 * inputs and output: O(TILE_Q·(TILE_K + Dv)) — the Sq×T matrix is never built (unless weights are
 * requested, which is the separate `attentionWithWeights`). Additive relevance (core's `additiveScore`)
 * takes the place of the dot product in the same loops; only these plain-TypeScript kernels compute it.
 */
import {
  attentionMapStage,
  additiveScore,
  blockBands,
  hasElementTerms,
  keyBand,
  maskTerm,
  type AttentionOutput,
  type AttentionProblem,
} from '@attnkit/core';

/** Query rows per tile. */
const TILE_Q = 32;
/** Keys per tile. */
const TILE_K = 64;

/** Scratch buffers reused across heads and calls of one size. */
interface Scratch {
  scores: Float32Array;
  acc: Float32Array;
  rowMax: Float64Array;
  rowSum: Float64Array;
  lo: Int32Array;
  hi: Int32Array;
}

function scratch(Dv: number): Scratch {
  return {
    scores: new Float32Array(TILE_Q * TILE_K),
    acc: new Float32Array(TILE_Q * Dv),
    rowMax: new Float64Array(TILE_Q),
    rowSum: new Float64Array(TILE_Q),
    lo: new Int32Array(TILE_Q),
    hi: new Int32Array(TILE_Q),
  };
}

/**
 * Attention output without materialising the score matrix. Work and memory follow the visible bands.
 * @param heads optional subset `[start, end)` of the flattened `b·Hq + h` range (for splitting work).
 */
export function attentionTiled(
  p: AttentionProblem,
  out: Float32Array = new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim),
  heads: [number, number] = [0, p.batch * p.qHeads],
): Float32Array {
  const { qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv, group } = p;
  const { q, k, v, scale, softcap, additive } = p;
  const elementTerms = hasElementTerms(p);
  const s = scratch(Dv);
  const { scores, acc, rowMax, rowSum, lo, hi } = s;
  for (let bh = heads[0]; bh < heads[1]; bh++) {
    const b = Math.floor(bh / Hq);
    const h = bh % Hq;
    const kvh = Math.floor(h / group);
    const qBase = bh * Sq * Dk;
    const kBase = (b * Hkv + kvh) * T * Dk;
    const vBase = (b * Hkv + kvh) * T * Dv;
    const oBase = bh * Sq * Dv;
    for (let i0 = 0; i0 < Sq; i0 += TILE_Q) {
      const rows = Math.min(TILE_Q, Sq - i0);
      const [tileLo, tileHi] = blockBands(p, b, i0, rows, lo, hi);
      acc.fill(0, 0, rows * Dv);
      rowMax.fill(-Infinity, 0, rows);
      rowSum.fill(0, 0, rows);
      for (let j0 = tileLo; j0 < tileHi; j0 += TILE_K) {
        const cols = Math.min(TILE_K, tileHi - j0);
        for (let r = 0; r < rows; r++) {
          const l = lo[r]!,
            u = hi[r]!;
          const sOff = r * TILE_K;
          // Row sees nothing of this tile: skip its work entirely.
          if (u <= j0 || l >= j0 + cols) {
            for (let c = 0; c < cols; c++) scores[sOff + c] = -Infinity;
            continue;
          }
          const qOff = qBase + (i0 + r) * Dk;
          let tileMax = -Infinity;
          for (let c = 0; c < cols; c++) {
            const j = j0 + c;
            if (j < l || j >= u) {
              scores[sOff + c] = -Infinity;
              continue;
            }
            const kOff = kBase + j * Dk;
            let x: number;
            if (additive) {
              x = additiveScore(additive, h, Dk, q, qOff, k, kOff);
            } else {
              let dot = 0;
              for (let d = 0; d < Dk; d++) dot += q[qOff + d]! * k[kOff + d]!;
              x = dot * scale;
            }
            if (softcap > 0) x = softcap * Math.tanh(x / softcap);
            if (elementTerms) x += maskTerm(p, b, h, i0 + r, j);
            scores[sOff + c] = x;
            if (x > tileMax) tileMax = x;
          }
          if (tileMax === -Infinity) continue;
          const mOld = rowMax[r]!;
          const mNew = tileMax > mOld ? tileMax : mOld;
          const aOff = r * Dv;
          if (mNew > mOld && mOld !== -Infinity) {
            const corr = Math.exp(mOld - mNew);
            rowSum[r] = rowSum[r]! * corr;
            for (let d = 0; d < Dv; d++) acc[aOff + d]! *= corr;
          }
          rowMax[r] = mNew;
          let sum = 0;
          for (let c = 0; c < cols; c++) {
            const x = scores[sOff + c]!;
            if (x === -Infinity) continue;
            const pr = Math.exp(x - mNew);
            sum += pr;
            const vOff = vBase + (j0 + c) * Dv;
            for (let d = 0; d < Dv; d++) acc[aOff + d]! += pr * v[vOff + d]!;
          }
          rowSum[r] = rowSum[r]! + sum;
        }
      }
      for (let r = 0; r < rows; r++) {
        const oOff = oBase + (i0 + r) * Dv;
        const l = rowSum[r]!;
        if (l === 0) {
          out.fill(0, oOff, oOff + Dv);
          continue;
        }
        const inv = 1 / l;
        for (let d = 0; d < Dv; d++) out[oOff + d] = acc[r * Dv + d]! * inv;
      }
    }
  }
  return out;
}

/**
 * Attention that also returns the requested weights `[B, Hq, Sq, T]` (this materialises them, by request).
 */
export function attentionWithWeights(p: AttentionProblem): AttentionOutput & { readonly output: Float32Array } {
  const {
    batch: B,
    qHeads: Hq,
    kvHeads: Hkv,
    qLength: Sq,
    keyLength: T,
    keyDim: Dk,
    valueDim: Dv,
    group,
    q,
    k,
    v,
    scale,
    softcap,
    additive,
  } = p;
  const output = new Float32Array(B * Hq * Sq * Dv);
  const weights = new Float32Array(B * Hq * Sq * T);
  const raw = new Float32Array(T),
    capped = new Float32Array(T),
    masked = new Float32Array(T),
    probs = new Float32Array(T);
  const elementTerms = hasElementTerms(p);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < Hq; h++) {
      const kvh = Math.floor(h / group);
      for (let i = 0; i < Sq; i++) {
        const qOff = ((b * Hq + h) * Sq + i) * Dk;
        const [l, u] = keyBand(p, b, i);
        let max = -Infinity;
        for (let j = 0; j < T; j++) {
          const kOff = ((b * Hkv + kvh) * T + j) * Dk;
          if (additive) {
            raw[j] = additiveScore(additive, h, Dk, q, qOff, k, kOff);
          } else {
            let dot = 0;
            for (let d = 0; d < Dk; d++) dot += q[qOff + d]! * k[kOff + d]!;
            raw[j] = dot * scale;
          }
          capped[j] = softcap > 0 ? softcap * Math.tanh(raw[j]! / softcap) : raw[j]!;
          let x = j >= l && j < u ? capped[j]! : -Infinity;
          if (x !== -Infinity && elementTerms) x += maskTerm(p, b, h, i, j);
          masked[j] = x;
          if (x > max) max = x;
        }
        probs.fill(0);
        if (max !== -Infinity) {
          let sum = 0;
          for (let j = l; j < u; j++) {
            const e = masked[j] === -Infinity ? 0 : Math.exp(masked[j]! - max);
            probs[j] = e;
            sum += e;
          }
          for (let j = l; j < u; j++) probs[j]! /= sum;
        }
        const oOff = ((b * Hq + h) * Sq + i) * Dv;
        for (let j = l; j < u; j++) {
          const pr = probs[j]!;
          if (pr === 0) continue;
          const vOff = ((b * Hkv + kvh) * T + j) * Dv;
          for (let d = 0; d < Dv; d++) output[oOff + d]! += pr * v[vOff + d]!;
        }
        const src = attentionMapStage(p.attentionMap, { scores: raw, softcapped: capped, masked, probs });
        weights.set(src, ((b * Hq + h) * Sq + i) * T);
      }
    }
  return { output, attentionMap: weights };
}
