/**
 * Summary statistics of repeated timings: median and spread, from the sorted samples.
 *
 * Quantiles use linear interpolation between closest ranks (the "type 7" rule of R and NumPy's default):
 * for `n` sorted samples, quantile `p` sits at position `p·(n-1)`.
 */

/** Median and spread of a set of timings, in the unit of the samples (milliseconds here). */
export interface Summary {
  /** Number of samples. */
  readonly n: number;
  readonly median: number;
  readonly mean: number;
  readonly min: number;
  readonly max: number;
  /** First quartile (25th percentile). */
  readonly p25: number;
  /** Third quartile (75th percentile). */
  readonly p75: number;
  /** Interquartile range `p75 - p25`. */
  readonly iqr: number;
  /** Median absolute deviation from the median. */
  readonly mad: number;
  /** Relative spread `iqr / median` (0 for a single sample). */
  readonly relSpread: number;
}

/**
 * The `p` quantile (`0 <= p <= 1`) of already sorted samples.
 *
 * @example
 * ```ts
 * quantileSorted([1, 2, 3, 4], 0.5); // 2.5
 * ```
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('quantile of no samples');
  if (!(p >= 0 && p <= 1)) throw new RangeError(`quantile: p must be in [0, 1], got ${p}`);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The median of unsorted samples. */
export function median(samples: readonly number[]): number {
  return quantileSorted(
    [...samples].sort((a, b) => a - b),
    0.5,
  );
}

/**
 * Summarises samples (at least one).
 *
 * @example
 * ```ts
 * summarize([10, 12, 11, 30]).median; // 11.5
 * ```
 */
export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) throw new RangeError('summarize: no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const med = quantileSorted(sorted, 0.5);
  const p25 = quantileSorted(sorted, 0.25);
  const p75 = quantileSorted(sorted, 0.75);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  const mad = median(sorted.map((x) => Math.abs(x - med)));
  return {
    n: sorted.length,
    median: med,
    mean,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    p25,
    p75,
    iqr: p75 - p25,
    mad,
    relSpread: med > 0 ? (p75 - p25) / med : 0,
  };
}
