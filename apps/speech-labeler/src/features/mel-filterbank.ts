/**
 * Triangular mel filters on the bins of a real FFT (HTK mel scale `2595·log10(1 + f/700)`), stored
 * sparsely: each band keeps its first bin and its weights.
 */

/** Hz to mel (HTK). */
export function hzToMel(f: number): number {
  return 2595 * Math.log10(1 + f / 700);
}

/** Mel to Hz (HTK). */
export function melToHz(m: number): number {
  return 700 * (10 ** (m / 2595) - 1);
}

/** One band: weights for bins `start .. start + weights.length - 1`. */
export interface MelBand {
  readonly start: number;
  readonly weights: Float32Array;
  /** Centre frequency in Hz. */
  readonly centre: number;
}

/**
 * `bands` triangles with centres equally spaced in mel between `fMin` and `fMax`; each peaks at 1 at its
 * centre and reaches 0 at its neighbours' centres.
 */
export function melFilterbank(
  bands: number,
  fftSize: number,
  sampleRate: number,
  fMin: number,
  fMax: number,
): MelBand[] {
  const bins = fftSize / 2 + 1;
  const lo = hzToMel(fMin),
    hi = hzToMel(fMax);
  const edges = Array.from({ length: bands + 2 }, (_, i) => melToHz(lo + ((hi - lo) * i) / (bands + 1)));
  const binHz = sampleRate / fftSize;
  const out: MelBand[] = [];
  for (let b = 0; b < bands; b++) {
    const [l, c, r] = [edges[b]!, edges[b + 1]!, edges[b + 2]!];
    const w: number[] = [];
    let start = -1;
    for (let k = 0; k < bins; k++) {
      const f = k * binHz;
      const v = f <= l || f >= r ? 0 : f <= c ? (f - l) / (c - l) : (r - f) / (r - c);
      if (v > 0) {
        if (start < 0) start = k;
        w[k - start] = v;
      } else if (start >= 0) break;
    }
    if (start < 0)
      throw new RangeError(
        `melFilterbank: band ${b} (${l.toFixed(0)}-${r.toFixed(0)} Hz) covers no FFT bin; use fewer bands or a longer FFT`,
      );
    out.push({ start, weights: Float32Array.from(w), centre: c });
  }
  return out;
}
