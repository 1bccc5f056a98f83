/**
 * The scan of an attention call's inputs: every element finite, and magnitudes whose scores float32 can
 * represent.
 *
 * The rule (one place, documented in the README): with `m(x)` the largest magnitude in `x`, a call is
 * refused with `ERR_RANGE` when
 * - `Dk · m(q) · m(k) · max(1, scale)` exceeds `2^100` (scores, or a kernel's unscaled products, could
 *   overflow float32 on the way; the error names `q` or `k`, whichever is larger), or
 * - `T · m(v)` exceeds `2^100` (an un-normalised weighted sum of the values could), naming `v`, or
 * - `max|alibi| · T` exceeds `2^100`, naming `options.alibi`.
 * Below that, every backend computes finite scores, so finite input never gives NaN. `2^100 ≈ 1.3e30` leaves
 * float32's range (3.4e38) room for a bias mask and ALiBi on top.
 *
 * Shape legend: T total key length, Dk query/key head size.
 */
import { AttnkitError } from './errors.js';

/** Largest score-side magnitude bound a call may reach. */
export const SCORE_LIMIT = 2 ** 100;

/** Sums of squares of a call's inputs (k and v include the past). */
export interface InputSquares {
  /** `Σ q²` over every element of the queries. */
  readonly q: number;
  /** `Σ k²` over every key, the past included. */
  readonly k: number;
  /** `Σ v²` over every value, the past included. */
  readonly v: number;
}

/**
 * The float64 sum of squares of `data`; throws `ERR_NON_FINITE` naming the first NaN or ±Infinity. Squares
 * of float32 values are below 1.2e77, so the sum of any array that fits in memory is finite exactly when
 * every element is: the culprit is looked for only when the sum is not.
 */
export function sumOfSquares(data: Float32Array, name: string): number {
  const len = data.length;
  let sum = 0;
  let i = 0;
  for (; i + 7 < len; i += 8) {
    const a = data[i]!,
      b = data[i + 1]!,
      c = data[i + 2]!,
      d = data[i + 3]!;
    const e = data[i + 4]!,
      f = data[i + 5]!,
      g = data[i + 6]!,
      h = data[i + 7]!;
    sum += a * a + b * b + (c * c + d * d) + (e * e + f * f + (g * g + h * h));
  }
  for (; i < len; i++) sum += data[i]! * data[i]!;
  if (sum - sum === 0) return sum;
  for (let j = 0; j < len; j++) {
    const x = data[j]!;
    if (x - x !== 0)
      throw new AttnkitError('ERR_NON_FINITE', `${name}: element ${j} is ${x}; expected finite numbers`, name);
  }
  return sum;
}

/** Largest magnitude in `data`. */
export function maxAbs(data: Float32Array): number {
  let m = 0;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]!);
    if (a > m) m = a;
  }
  return m;
}

/** What {@link expectRepresentable} needs of a call. */
export interface MagnitudeInputs {
  readonly keyDim: number;
  readonly keyLength: number;
  readonly scale: number;
  /** `[B, Hq, Sq, Dk]`, `[B, Hkv, T, Dk]`, `[B, Hkv, T, Dv]` (past included). */
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
}

/**
 * Whether `squares` alone settle the magnitude rule (`m(x) <= sqrt(Σx²)`): true for almost every call. False
 * when a sum is not finite or the bound they give is near the limit; the exact check must then decide.
 */
export function settledBySquares(
  p: Pick<MagnitudeInputs, 'keyDim' | 'keyLength' | 'scale'>,
  squares: InputSquares,
): boolean {
  const looseScores = p.keyDim * Math.sqrt(squares.q) * Math.sqrt(squares.k) * Math.max(1, Math.abs(p.scale));
  const looseValues = p.keyLength * Math.sqrt(squares.v);
  return looseScores <= SCORE_LIMIT && looseValues <= SCORE_LIMIT;
}

/**
 * Applies the magnitude rule (see the module comment) to finite inputs. `squares` bound the magnitudes
 * from above, which settles almost every call at no cost; only a call near the limit is measured exactly.
 */
export function expectRepresentable(p: MagnitudeInputs, squares: InputSquares): void {
  if (settledBySquares(p, squares)) return;
  const s = Math.max(1, Math.abs(p.scale));
  const T = p.keyLength;
  const mq = maxAbs(p.q),
    mk = maxAbs(p.k);
  const bound = p.keyDim * mq * mk * s;
  if (bound > SCORE_LIMIT) {
    const name = mq >= mk ? 'q' : 'k';
    throw new AttnkitError(
      'ERR_RANGE',
      `${name}: magnitudes up to ${Math.max(mq, mk).toExponential(3)} (q ${mq.toExponential(3)}, k ${mk.toExponential(3)}, Dk ${p.keyDim}, scale ${p.scale}) give scores up to ${bound.toExponential(3)}, beyond float32's safe range (2^100); scale the inputs down`,
      name,
    );
  }
  const mv = maxAbs(p.v);
  if (T * mv > SCORE_LIMIT) {
    throw new AttnkitError(
      'ERR_RANGE',
      `v: magnitudes up to ${mv.toExponential(3)} over ${T} keys exceed float32's safe range for a weighted sum (T · max|v| ≤ 2^100); scale the values down`,
      'v',
    );
  }
}
