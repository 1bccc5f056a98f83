/**
 * Per-utterance normalisation of the log-mel bands: each band to zero mean and unit variance over all
 * frames of the recording (removes its level and channel colouring), from statistics that can be
 * gathered as the features stream by.
 *
 * The variance is floored at {@link VARIANCE_FLOOR}: a band that barely moves (digital silence, dither,
 * a steady hum) is not blown up to unit variance, which would make it look like speech. Speech moves far
 * more (the smallest band variance over the held-out sets is about 0.09), so the floor leaves its
 * normalisation, the one the model was trained with, unchanged.
 */

/**
 * Least variance a band is normalised by, in squared natural-log units (0.01: a standard deviation of
 * 0.1, about 0.43 dB); it includes the 1e-5 the model was trained with.
 */
export const VARIANCE_FLOOR = 0.01;

/** Per-band mean and inverse standard deviation. */
export interface BandNormalization {
  readonly mean: Float64Array;
  readonly inv: Float64Array;
}

/**
 * Running per-band sums over frames `[n, bands]`: {@link add} every frame once, in order, then
 * {@link result}. Memory is two numbers per band, whatever the length.
 *
 * @example
 * ```ts
 * const stats = new BandStats(40);
 * for (const block of blocks) stats.add(block);
 * normalizeWith(features, stats.result());
 * ```
 */
export class BandStats {
  private readonly sum: Float64Array;
  private readonly sq: Float64Array;
  private count = 0;

  constructor(readonly bands: number) {
    this.sum = new Float64Array(bands);
    this.sq = new Float64Array(bands);
  }

  /** Frames added so far. */
  get frames(): number {
    return this.count;
  }

  /** Adds frames `[n, bands]`. */
  add(features: Float32Array): void {
    const { bands, sum, sq } = this;
    const frames = features.length / bands;
    for (let t = 0; t < frames; t++) {
      for (let b = 0; b < bands; b++) {
        const x = features[t * bands + b]!;
        sum[b] = sum[b]! + x;
        sq[b] = sq[b]! + x * x;
      }
    }
    this.count += frames;
  }

  /** Mean and inverse standard deviation of each band (mean 0, inv 1 when no frame was added). */
  result(): BandNormalization {
    const { bands, count } = this;
    const mean = new Float64Array(bands),
      inv = new Float64Array(bands).fill(1);
    if (count === 0) return { mean, inv };
    for (let b = 0; b < bands; b++) {
      mean[b] = this.sum[b]! / count;
      const v = Math.max(0, this.sq[b]! / count - mean[b]! * mean[b]!);
      inv[b] = 1 / Math.sqrt(Math.max(v + 1e-5, VARIANCE_FLOOR));
    }
    return { mean, inv };
  }
}

/** Normalises frames `[n, bands]` in place with `norm`; returns them. */
export function normalizeWith(features: Float32Array, norm: BandNormalization): Float32Array {
  const bands = norm.mean.length,
    { mean, inv } = norm;
  const frames = features.length / bands;
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bands; b++) {
      const j = t * bands + b;
      features[j] = (features[j]! - mean[b]!) * inv[b]!;
    }
  }
  return features;
}

/**
 * Per-utterance normalisation, in place: each band to zero mean and unit variance over all frames
 * (variance floored at {@link VARIANCE_FLOOR}).
 */
export function normalizeFeatures(features: Float32Array, bands: number): Float32Array {
  if (features.length === 0) return features;
  const stats = new BandStats(bands);
  stats.add(features);
  return normalizeWith(features, stats.result());
}
