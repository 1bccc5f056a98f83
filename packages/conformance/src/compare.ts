/**
 * Tolerances and comparison, stated in one place.
 *
 * float32 results must be within `abs + rel·|expected|` of the float64 reference: 1e-5 + 1e-5 by default
 * (a case may say otherwise, e.g. model cases scale with depth); float16 peer vectors within 2e-3.
 */

/** An absolute and relative tolerance. */
export interface Tolerance {
  /** Absolute part: an element passes when `|actual - expected| <= abs + rel · |expected|`. */
  readonly abs: number;
  /** Relative part, a fraction of `|expected|` (`1e-5` is 0.001 %). */
  readonly rel: number;
}

/** Tolerance for float32 results. */
export const FLOAT32_TOLERANCE: Tolerance = { abs: 1e-5, rel: 1e-5 };
/**
 * Tolerance for float16 results against the float64 reference on the same (float16) inputs: a backend computes
 * in float32 (within {@link FLOAT32_TOLERANCE}) and narrows once, which adds at most half a float16 unit in the
 * last place: 2^-11 relative for normal halves, 2^-25 absolute for subnormal ones.
 */
export const FLOAT16_RESULT_TOLERANCE: Tolerance = {
  abs: FLOAT32_TOLERANCE.abs + 2 ** -25,
  rel: FLOAT32_TOLERANCE.rel + 2 ** -11,
};
/** Tolerance for float16 peer vectors (computed in float32, compared with float16 expectations). */
export const FLOAT16_TOLERANCE: Tolerance = { abs: 2e-3, rel: 2e-3 };

/** A conformance mismatch, with where and by how much. */
export class ConformanceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceFailure';
  }
}

/**
 * Checks `actual` against `expected` element-wise. Infinite expectations (masked weights) must match
 * exactly; NaN anywhere in `actual` fails.
 */
export function assertClose(
  actual: ArrayLike<number> | undefined,
  expected: ArrayLike<number>,
  tol: Tolerance,
  what: string,
): void {
  if (!actual) throw new ConformanceFailure(`${what}: missing`);
  if (actual.length !== expected.length) {
    throw new ConformanceFailure(`${what}: has ${actual.length} elements, expected ${expected.length}`);
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (Number.isNaN(a)) throw new ConformanceFailure(`${what}[${i}]: got NaN, expected ${e}`);
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) throw new ConformanceFailure(`${what}[${i}]: got ${a}, expected ${e}`);
      continue;
    }
    const excess = Math.abs(a - e) - (tol.abs + tol.rel * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (worst >= 0) {
    const a = actual[worst]!,
      e = expected[worst]!;
    throw new ConformanceFailure(
      `${what}[${worst}]: got ${a}, expected ${e} (difference ${Math.abs(a - e).toExponential(3)} > ${tol.abs} + ${tol.rel}·|expected|)`,
    );
  }
}

/** Largest absolute difference (for reports). */
export function maxAbsDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!,
      e = expected[i]!;
    if (Number.isFinite(e)) m = Math.max(m, Math.abs(a - e));
  }
  return m;
}
