/**
 * The float64 reference of attention, written for clarity, not speed. It restates every masking rule
 * from its definition (it does not reuse core's band helpers, so it checks them too).
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, T total key length, Dk/Dv head sizes.
 */
import { attentionMapStage, type AttentionProblem } from '@attnkit/core';

/** A problem whose q, k, v may be float64 (the model reference keeps float64 throughout). */
export type ReferenceProblem = Omit<AttentionProblem, 'q' | 'k' | 'v'> & {
  /** Queries `[B, Hq, Sq, Dk]`, row-major. */
  readonly q: ArrayLike<number>;
  /** Keys `[B, Hkv, T, Dk]`, the past included. */
  readonly k: ArrayLike<number>;
  /** Values `[B, Hkv, T, Dv]`, the past included. */
  readonly v: ArrayLike<number>;
};

/** Reference results in float64, rank 4. */
export interface ReferenceAttention {
  /** `[B, Hq, Sq, Dv]` */
  readonly output: Float64Array;
  /** `[B, Hq, Sq, T]` of the requested kind, if any. */
  readonly weights?: Float64Array;
}

/** Whether query `i` of batch `b`, head `h` may see key `j` (every rule, from its definition). */
export function visible(p: ReferenceProblem, b: number, h: number, i: number, j: number): boolean {
  if (p.validKeys && j >= p.validKeys[b]!) return false;
  const pos = i + p.queryOffset[b]!;
  if (p.causal && j > pos) return false;
  if (p.window && (j < pos - p.window.left || j > pos + p.window.right)) return false;
  if (p.graph) {
    let found = false;
    for (let e = 0; e < p.graph.edges.length; e += 2) {
      if (p.graph.edges[e] === i && p.graph.edges[e + 1] === j) found = true;
    }
    if (!found) return false;
  }
  if (p.mask) {
    if (j >= p.mask.keyExtent) return false;
    if (p.mask.kind === 'bool' && p.mask.data[maskIndex(p, b, h, i, j)] === 0) return false;
  }
  return true;
}

function maskIndex(p: ReferenceProblem, b: number, h: number, i: number, j: number): number {
  const s = p.mask!.strides;
  return b * s[0] + h * s[1] + i * s[2] + j * s[3];
}

/** Additive bias of a visible score: the bias mask and ALiBi. */
function bias(p: ReferenceProblem, b: number, h: number, i: number, j: number): number {
  let t = 0;
  if (p.mask?.kind === 'bias') t += p.mask.data[maskIndex(p, b, h, i, j)]!;
  if (p.alibi) {
    t -= p.alibi[h]! * Math.abs(i + p.queryOffset[b]! - j);
  }
  return t;
}

/** The additive term of score `(b, h, i, j)` in float64: `-Infinity` when the key is not visible, else the bias. */
export function referenceBias(p: ReferenceProblem, b: number, h: number, i: number, j: number): number {
  return visible(p, b, h, i, j) ? bias(p, b, h, i, j) : -Infinity;
}

/** Computes attention in float64. */
export function referenceAttention(p: ReferenceProblem): ReferenceAttention {
  const { batch: B, qHeads: Hq, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv, kvHeads: Hkv } = p;
  const output = new Float64Array(B * Hq * Sq * Dv);
  const weights = p.attentionMap === 'none' ? undefined : new Float64Array(B * Hq * Sq * T);
  const scores = new Float64Array(T);
  const softcapped = new Float64Array(T);
  const masked = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hq; h++) {
      const kvh = Math.floor(h / p.group);
      for (let i = 0; i < Sq; i++) {
        const qOff = ((b * Hq + h) * Sq + i) * Dk;
        for (let j = 0; j < T; j++) {
          const kOff = ((b * Hkv + kvh) * T + j) * Dk;
          if (p.additive) {
            // Additive relevance: Σ_d w[h, d]·tanh(q[d] + k[d]), no scale.
            let s = 0;
            for (let d = 0; d < Dk; d++) s += p.additive[h * Dk + d]! * Math.tanh(p.q[qOff + d]! + p.k[kOff + d]!);
            scores[j] = s;
          } else {
            let dot = 0;
            for (let d = 0; d < Dk; d++) dot += p.q[qOff + d]! * p.k[kOff + d]!;
            scores[j] = p.scale * dot;
          }
          softcapped[j] = p.softcap > 0 ? p.softcap * Math.tanh(scores[j]! / p.softcap) : scores[j]!;
          masked[j] = visible(p, b, h, i, j) ? softcapped[j]! + bias(p, b, h, i, j) : -Infinity;
        }
        let max = -Infinity;
        for (let j = 0; j < T; j++) max = Math.max(max, masked[j]!);
        const probs = new Float64Array(T);
        if (max !== -Infinity) {
          let sum = 0;
          for (let j = 0; j < T; j++) {
            probs[j] = Math.exp(masked[j]! - max);
            sum += probs[j]!;
          }
          for (let j = 0; j < T; j++) probs[j]! /= sum;
        }
        const oOff = ((b * Hq + h) * Sq + i) * Dv;
        for (let j = 0; j < T; j++) {
          if (probs[j] === 0) continue;
          const vOff = ((b * Hkv + kvh) * T + j) * Dv;
          for (let d = 0; d < Dv; d++) output[oOff + d]! += probs[j]! * p.v[vOff + d]!;
        }
        if (weights) {
          const src = attentionMapStage(p.attentionMap, { scores, softcapped, masked, probs });
          weights.set(src, ((b * Hq + h) * Sq + i) * T);
        }
      }
    }
  }
  return weights ? { output, weights } : { output };
}
