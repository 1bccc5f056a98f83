/**
 * The additive bias of one attention call, built on the CPU by core's lowering (`writeDenseBias`): `-Infinity` where a key is hidden (key lengths, causal, window, graph, bool mask, mask
 * extent), otherwise the bias mask plus ALiBi (0 without them). tfjs adds it to the scores.
 *
 * Shape legend: B batch, Hq query heads, Sq query length, T total key length. The bias is
 * `[Bb, Hb, rows, T]` with `Bb = B` only when the masking differs per batch (key lengths, a mask with a
 * batch axis) and `Hb = Hq` only when it differs per head (ALiBi, a mask with a head axis); tfjs
 * broadcasts the rest. Memory: `Bb·Hb·rows·T` floats, so the caller builds it a chunk of query rows at a
 * time.
 */
import { biasExtents, hasMasking, writeDenseBias, type AttentionSetup } from '@attnkit/core';

/** Bias values for a range of query rows. */
export interface AttentionBias {
  /** `[Bb, Hb, rows, T]` row-major. */
  readonly data: Float32Array;
  readonly shape: [number, number, number, number];
  /** Some row sees no key at all; its output must be zeros, not the NaN of a softmax over `-Infinity`. */
  readonly emptyRows: boolean;
}

/** The bias of query rows `[i0, i1)` (core's `writeDenseBias`), or `undefined` when the call masks nothing. */
export function buildBias(p: AttentionSetup, i0 = 0, i1 = p.qLength): AttentionBias | undefined {
  if (!hasMasking(p)) return undefined;
  const [Bb, Hb] = biasExtents(p);
  const rows = i1 - i0;
  const data = new Float32Array(Bb * Hb * rows * p.keyLength);
  const emptyRows = writeDenseBias(p, data, i0, i1);
  return { data, shape: [Bb, Hb, rows, p.keyLength], emptyRows };
}
