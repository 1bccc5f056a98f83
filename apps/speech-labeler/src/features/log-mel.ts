/**
 * Log-mel filterbank features, computed as the audio streams in.
 *
 * Frame i stands for the 10 ms from `i·hop` to `(i+1)·hop` samples; its analysis window (25 ms, Hann) is
 * centred on that span's centre, zero outside the audio. A stream of N samples gives `ceil(N / hop)`
 * frames, so one second is 100 frames and every frame's centre is at `(i + 0.5) · 10 ms`.
 *
 * Each frame also gets its level in dBFS (see {@link LogMel.take}), which the labeller's silence rule uses.
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
  kind: 'log-mel',
  sampleRate: 16000,
  hop: 160,
  window: 400,
  fftSize: 512,
  bands: 40,
  fMin: 20,
  fMax: 8000,
  floor: 1e-6,
};

/** Number of frames for `samples` samples. */
export function frameCount(samples: number, config: FeatureConfig = DEFAULT_FEATURES): number {
  return Math.ceil(samples / config.hop);
}

/** Frames handed out by {@link LogMel.take}. */
export interface FrameBlock {
  /** Index of the first frame in the stream. */
  readonly first: number;
  /** Features `[n, bands]`, row-major. */
  readonly features: Float32Array;
  /**
   * Level of each frame in dBFS: `10·log10` of the mean square of its Hann-windowed samples, their
   * (window-weighted) mean removed, with full scale (±1) at 0 dB; `-Infinity` for digital silence.
   * White noise of RMS `10^(L/20)` reads L.
   */
  readonly levels: Float32Array;
}

/**
 * Streaming log-mel extractor: `push` blocks of samples, then `finish` to get `[frames, bands]` row-major.
 * Memory is the features themselves (linear in the length) plus one window of samples; with
 * {@link take} after each push, only the frames not yet taken are kept (flat in the length).
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
  /** Features and levels of frames `taken .. frames - 1`. */
  private out: Float32Array;
  private levelOut: Float32Array;
  private frames = 0;
  private taken = 0;
  /** Σ hann and Σ hann², for the level. */
  private readonly hannSum: number;
  private readonly hannSq: number;

  constructor(
    readonly config: FeatureConfig = DEFAULT_FEATURES,
    expectedFrames = 1024,
  ) {
    const { fftSize, window } = config;
    if (window > fftSize) throw new RangeError(`LogMel: window ${window} exceeds fftSize ${fftSize}`);
    this.fft = new FFT(fftSize);
    this.hann = new Float32Array(window);
    for (let i = 0; i < window; i++) this.hann[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / window);
    let hs = 0,
      hq = 0;
    for (const w of this.hann) {
      hs += w;
      hq += w * w;
    }
    this.hannSum = hs;
    this.hannSq = hq;
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
    this.levelOut = new Float32Array(Math.max(1, expectedFrames));
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

  /** Computes the remaining frames (zeros past the end) and returns `[frames, bands]` of every frame not taken. */
  finish(): Float32Array {
    this.compute(true);
    return this.out.subarray(0, (this.frames - this.taken) * this.config.bands);
  }

  /**
   * Hands out the frames computed since the last take (copies) and forgets them; with `final`, first
   * computes the remaining frames as {@link finish} does (no samples may be pushed after that).
   */
  take(final = false): FrameBlock {
    if (final) this.compute(true);
    const n = this.frames - this.taken;
    const block = {
      first: this.taken,
      features: this.out.slice(0, n * this.config.bands),
      levels: this.levelOut.slice(0, n),
    };
    this.taken = this.frames;
    return block;
  }

  private compute(final: boolean): void {
    const { window, bands, floor } = this.config;
    const total = frameCount(this.received, this.config);
    const n2 = this.config.fftSize / 2;
    for (;;) {
      const i = this.frames;
      if (final ? i >= total : this.windowStart(i) + window > this.received) break;
      const at = this.windowStart(i) - this.bufStart;
      const frame = this.frameIn,
        buf = this.buf,
        hann = this.hann;
      const whole = Math.max(0, Math.min(window, this.bufLen - at));
      // Level: Σ (w·(x − m))² / Σ w², with m = Σ w·x / Σ w the frame's weighted mean (DC is not sound);
      // expanded, Σ (wx)² − 2m Σ (wx)·w + m² Σ w², so one loop gathers all three sums.
      let sum = 0,
        sq = 0,
        cross = 0;
      for (let k = 0; k < whole; k++) {
        const w = hann[k]!,
          v = buf[at + k]! * w;
        frame[k] = v;
        sum += v;
        sq += v * v;
        cross += v * w;
      }
      for (let k = whole; k < window; k++) frame[k] = 0;
      const m = sum / this.hannSum;
      sq = Math.max(0, sq - 2 * m * cross + m * m * this.hannSq);
      this.fft.realTransform(this.spectrum, frame);
      const s = this.spectrum,
        p = this.power;
      for (let k = 0; k <= n2; k++) p[k] = s[2 * k]! * s[2 * k]! + s[2 * k + 1]! * s[2 * k + 1]!;
      const r = i - this.taken;
      if (this.out.length < (r + 1) * bands) {
        const next = new Float32Array(Math.max(2 * this.out.length, (r + 1) * bands));
        next.set(this.out);
        this.out = next;
        const levels = new Float32Array(next.length / bands);
        levels.set(this.levelOut);
        this.levelOut = levels;
      }
      this.levelOut[r] = 10 * Math.log10(sq / this.hannSq);
      const o = r * bands;
      const { fStart, fLen, fOff, fWeights, out } = this;
      for (let b = 0; b < bands; b++) {
        const start = fStart[b]!,
          len = fLen[b]!,
          w0 = fOff[b]!;
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
