/**
 * A small seeded pseudo-random generator (SplitMix32 / Mulberry32 family), so that weight initialisation
 * and generated test cases are reproducible on every platform.
 */

/** A seeded random source. */
export interface Random {
  /** Uniform in `[0, 1)`. */
  next(): number;
  /** Uniform in `[lo, hi)`. */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in `[lo, hi]`. */
  int(lo: number, hi: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
}

/**
 * Creates a seeded random source.
 *
 * @example
 * ```ts
 * const rng = seededRandom(42);
 * rng.uniform(-1, 1);
 * ```
 */
export function seededRandom(seed: number): Random {
  let a = (seed | 0) ^ 0x9e3779b9;
  const next = (): number => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal: () => {
      const u = Math.max(next(), 1e-12);
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}
