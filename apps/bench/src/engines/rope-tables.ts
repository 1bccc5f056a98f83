/**
 * Rotary position tables for the encoder peers, as in `@attnkit/core`'s model spec: for `i < Dh/2`,
 * `θ = s · base^(-2i/Dh)` rotates the pair `(x[i], x[i + Dh/2])`. Written as
 * `x' = x·cos + rotateHalf(x)·sin` with `rotateHalf(x) = [-x₂, x₁]` (halves), the tables are `[S, Dh]`
 * with each half's angle repeated in both halves.
 */
import { ropeTables as coreRopeTables } from '@attnkit/core';

/** `cos` and `sin` tables `[S, Dh]`: core's `[S, Dh/2]` tables with each half's angle in both halves. */
export function ropeTables(S: number, Dh: number, base: number): { cos: Float32Array; sin: Float32Array } {
  const half = Dh / 2;
  const t = coreRopeTables(S, Dh, base);
  const cos = new Float32Array(S * Dh);
  const sin = new Float32Array(S * Dh);
  for (let s = 0; s < S; s++) {
    for (let i = 0; i < half; i++) {
      const c = t.cos[s * half + i]!,
        n = t.sin[s * half + i]!;
      cos[s * Dh + i] = c;
      cos[s * Dh + i + half] = c;
      sin[s * Dh + i] = n;
      sin[s * Dh + i + half] = n;
    }
  }
  return { cos, sin };
}
