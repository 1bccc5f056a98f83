/**
 * Log-mel filterbank features, computed as the audio streams in.
 *
 * Frame i stands for the 10 ms from `i·hop` to `(i+1)·hop` samples; its analysis window (25 ms, Hann) is
 * centred on that span's centre, zero outside the audio. A stream of N samples gives `ceil(N / hop)`
 * frames, so one second is 100 frames and every frame's centre is at `(i + 0.5) · 10 ms`.
 */
import FFT from 'fft.js';
import { melFilterbank, type MelBand } from './mel-filterbank.js';

/** Feature settings; stored with the model so that the features match the training. */
export interface FeatureConfig {
  readonly kind: 'log-mel';
  readonly sampleRate: number;
  /** Samples between frames (160 = 10 ms). */
  readonly hop: number;
  /** Analysis window length in samples (400 = 25 ms), Hann. */
  readonly window: number;
  readonly fftSize: number;
  readonly bands: number;
  readonly fMin: number;
  readonly fMax: number;
  /** Added to the band energy before the log (a floor for digital silence). */
  readonly floor: number;
}

/** 16 kHz, 10 ms hop, 25 ms Hann window, 512-point FFT, 40 bands from 20 Hz to 8 kHz. */
export const DEFAULT_FEATURES: FeatureConfig = {
  kind: 'log-mel', sampleRate: 16000, hop: 160, window: 400, fftSize: 512, bands: 40, fMin: 20, fMax: 8000, floor: 1e-6,
};

/** Number of frames for `samples` samples. */
export function frameCount(samples: number, config: FeatureConfig = DEFAULT_FEATURES): number {
  return Math.ceil(samples / config.hop);
}

/**
 * Streaming log-mel extractor: `push` blocks of samples, then `finish` to get `[frames, bands]` row-major.
 * Memory is the features themselves (linear in the length) plus one window of samples.
 *
 * @example
 * ```ts
 * const fx = new LogMel(DEFAULT_FEATURES, frameCount(samples.length));
 * fx.push(samples);
 * const features = fx.finish(); // Float32Array of frames × 40
 * ```
 */
export class LogMel {
  private readonly fft: FFT;
  private readonly hann: Float32Array;
  /** The mel filters flattened: band b covers bins `start[b] .. start[b] + len[b] - 1`, weights from `off[b]`. */
  private readonly fStart: Int32Array;
  private readonly fLen: Int32Array;
  private readonly fOff: Int32Array;
  private readonly fWeights: Float64Array;
  private readonly frameIn: Float64Array;
  private readonly spectrum: Float64Array;
  private readonly power: Float64Array;
  /** Samples not yet consumed by a frame, starting at absolute index `bufStart`. */
  private buf: Float32Array;
  private bufLen = 0;
  private bufStart: number;
  private received = 0;
  private out: Float32Array;
  private frames = 0;

  constructor(readonly config: FeatureConfig = DEFAULT_FEATURES, expectedFrames = 1024) {
    const { fftSize, window } = config;
    if (window > fftSize) throw new RangeError(`LogMel: window ${window} exceeds fftSize ${fftSize}`);
    this.fft = new FFT(fftSize);
    this.hann = new Float32Array(window);
    for (let i = 0; i < window; i++) this.hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / window);
    const filters: MelBand[] = melFilterbank(config.bands, fftSize, config.sampleRate, config.fMin, config.fMax);
    this.fStart = Int32Array.from(filters, (f) => f.start);
    this.fLen = Int32Array.from(filters, (f) => f.weights.length);
    this.fOff = new Int32Array(filters.length);
    filters.forEach((f, b) => (this.fOff[b] = b === 0 ? 0 : this.fOff[b - 1]! + filters[b - 1]!.weights.length));
    this.fWeights = Float64Array.from(filters.flatMap((f) => Array.from(f.weights)));
    this.frameIn = new Float64Array(fftSize);
    this.spectrum = new Float64Array(2 * fftSize);
    this.power = new Float64Array(fftSize / 2 + 1);
    // Frame 0's window starts before sample 0: keep that many zeros in front.
    this.bufStart = this.windowStart(0);
    this.buf = new Float32Array(Math.max(4 * window, 1 << 16));
    this.bufLen = -this.bufStart;
    this.out = new Float32Array(Math.max(1, expectedFrames) * config.bands);
  }

  /** Absolute index of frame i's first window sample. */
  private windowStart(i: number): number {
    const { hop, window } = this.config;
    return Math.round((i + 0.5) * hop - window / 2);
  }

  /** Frames computed so far. */
  get length(): number {
    return this.frames;
  }

  /** Adds samples and computes every frame whose window is complete. */
  push(samples: Float32Array): void {
    if (this.bufLen + samples.length > this.buf.length) {
      const next = new Float32Array(Math.max(2 * this.buf.length, this.bufLen + samples.length));
      next.set(this.buf.subarray(0, this.bufLen));
      this.buf = next;
    }
    this.buf.set(samples, this.bufLen);
    this.bufLen += samples.length;
    this.received += samples.length;
    this.compute(false);
  }

  /** Computes the remaining frames (zeros past the end) and returns `[frames, bands]`. */
  finish(): Float32Array {
    this.compute(true);
    return this.out.subarray(0, this.frames * this.config.bands);
  }

  private compute(final: boolean): void {
    const { window, bands, floor } = this.config;
    const total = frameCount(this.received, this.config);
    const n2 = this.config.fftSize / 2;
    for (;;) {
      const i = this.frames;
      if (final ? i >= total : this.windowStart(i) + window > this.received) break;
      const at = this.windowStart(i) - this.bufStart;
      const frame = this.frameIn, buf = this.buf, hann = this.hann;
      const whole = Math.max(0, Math.min(window, this.bufLen - at));
      for (let k = 0; k < whole; k++) frame[k] = buf[at + k]! * hann[k]!;
      for (let k = whole; k < window; k++) frame[k] = 0;
      this.fft.realTransform(this.spectrum, frame);
      const s = this.spectrum, p = this.power;
      for (let k = 0; k <= n2; k++) p[k] = s[2 * k]! * s[2 * k]! + s[2 * k + 1]! * s[2 * k + 1]!;
      if (this.out.length < (i + 1) * bands) {
        const next = new Float32Array(Math.max(2 * this.out.length, (i + 1) * bands));
        next.set(this.out);
        this.out = next;
      }
      const o = i * bands;
      const { fStart, fLen, fOff, fWeights, out } = this;
      for (let b = 0; b < bands; b++) {
        const start = fStart[b]!, len = fLen[b]!, w0 = fOff[b]!;
        let e = 0;
        for (let k = 0; k < len; k++) e += fWeights[w0 + k]! * p[start + k]!;
        out[o + b] = Math.log(e + floor);
      }
      this.frames++;
    }
    // Drop samples that no later frame needs.
    const keep = this.windowStart(this.frames) - this.bufStart;
    if (keep > 0 && keep <= this.bufLen) {
      this.buf.copyWithin(0, keep, this.bufLen);
      this.bufLen -= keep;
      this.bufStart += keep;
    }
  }
}

/**
 * Per-utterance normalisation, in place: each band to zero mean and unit variance over all frames
 * (removes the recording's level and channel colouring).
 */
export function normalizeFeatures(features: Float32Array, bands: number): Float32Array {
  const frames = features.length / bands;
  if (frames === 0) return features;
  const mean = new Float64Array(bands), sq = new Float64Array(bands);
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bands; b++) {
      const x = features[t * bands + b]!;
      mean[b] += x;
      sq[b] += x * x;
    }
  }
  const inv = new Float64Array(bands);
  for (let b = 0; b < bands; b++) {
    mean[b] /= frames;
    const v = Math.max(0, sq[b]! / frames - mean[b]! * mean[b]!);
    inv[b] = 1 / Math.sqrt(v + 1e-5);
  }
  for (let t = 0; t < frames; t++) {
    for (let b = 0; b < bands; b++) {
      const j = t * bands + b;
      features[j] = (features[j]! - mean[b]!) * inv[b]!;
    }
  }
  return features;
}
