/**
 * The additive bias of one attention call, built on the CPU from core's masking semantics (`keyBand`,
 * `maskTerm`): `-Infinity` where a key is hidden (key lengths, causal, window, graph, bool mask, mask
 * extent), otherwise the bias mask plus ALiBi (0 without them). tfjs adds it to the scores.
 *
 * Shape legend: B batch, Hq query heads, Sq query length, T total key length. The bias is
 * `[Bb, Hb, rows, T]` with `Bb = B` only when the masking differs per batch (key lengths, a mask with a
 * batch axis) and `Hb = Hq` only when it differs per head (ALiBi, a mask with a head axis); tfjs
 * broadcasts the rest. Memory: `Bb·Hb·rows·T` floats, so the caller builds it a chunk of query rows at a
 * time.
 */
import { hasElementTerms, keyBand, maskTerm, type AttentionProblem } from '@attnkit/core';

/** Bias values for a range of query rows. */
export interface AttentionBias {
  /** `[Bb, Hb, rows, T]` row-major. */
  readonly data: Float32Array;
  readonly shape: [number, number, number, number];
  /** Some row sees no key at all; its output must be zeros, not the NaN of a softmax over `-Infinity`. */
  readonly emptyRows: boolean;
}

/** Whether the call masks or biases any score (otherwise no bias is needed at all). */
export function needsBias(p: AttentionProblem): boolean {
  return p.causal || p.window !== undefined || p.mask !== undefined || p.keyLengths !== undefined ||
    p.graph !== undefined || p.alibi !== undefined;
}

/** The bias of query rows `[i0, i1)`, or `undefined` when the call needs none. */
export function buildBias(p: AttentionProblem, i0 = 0, i1 = p.qLength): AttentionBias | undefined {
  if (!needsBias(p)) return undefined;
  const T = p.keyLength;
  const perBatch = p.keyLengths !== undefined || (p.mask !== undefined && p.mask.strides[0] !== 0);
  const perHead = p.alibi !== undefined || (p.mask !== undefined && p.mask.strides[1] !== 0);
  const Bb = perBatch ? p.batch : 1;
  const Hb = perHead ? p.qHeads : 1;
  const rows = i1 - i0;
  const data = new Float32Array(Bb * Hb * rows * T);
  const elementTerms = hasElementTerms(p);
  let emptyRows = false;
  for (let b = 0; b < Bb; b++) {
    for (let h = 0; h < Hb; h++) {
      for (let i = i0; i < i1; i++) {
        const o = ((b * Hb + h) * rows + (i - i0)) * T;
        data.fill(-Infinity, o, o + T);
        const [lo, hi] = keyBand(p, b, i);
        let seen = false;
        if (!elementTerms) {
          data.fill(0, o + lo, o + hi);
          seen = hi > lo;
        } else {
          for (let j = lo; j < hi; j++) {
            const t = maskTerm(p, b, h, i, j);
            data[o + j] = t;
            if (t !== -Infinity) seen = true;
          }
        }
        if (!seen) emptyRows = true;
      }
    }
  }
  return { data, shape: [Bb, Hb, rows, T], emptyRows };
}
