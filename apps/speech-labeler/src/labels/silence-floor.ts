/**
 * The silence rules: a frame is `sil`, whatever the model says, when no frame within
 * {@link SILENCE_REACH_FRAMES} of it (±150 ms)
 * - reaches {@link SILENCE_FLOOR_DBFS} (the absolute floor), or
 * - reaches {@link FLOOR_MARGIN_DB} above the lowest level within {@link FLOOR_REACH_FRAMES} (±1 s) of it
 *   (steady noise: a local floor), unless that lowest level is digital silence.
 *
 * The model sees features normalised per recording, so it cannot tell a recording of faint noise from
 * speech: digital silence, dither or hiss at -70 dBFS come out as speech. The first rule looks at the
 * absolute level instead; the second finds noise above it, whose level stays within a few dB of its own
 * floor, while speech rises well above the noise between its words within any 300 ms. Looking ±150 ms around
 * a frame keeps the quiet edges of speech (a fading vowel, a weak fricative, a stop's closure beside its
 * burst) with the model. Measured on generated held-out sets (40 espeak-ng files, 30 of the festival voice
 * `ked`, with the generator's noise at 8–40 dB SNR): the first rule changes no label of the model's; the
 * second moves frame accuracy by −0.0007 and 0.0000, and makes white, pink and brown noise at -60 to -40
 * dBFS 100% `sil` (the model alone: 98.7–98.8%). Brown noise's level moves by up to 13 dB between these
 * windows, which sets the margin.
 */

/** Level (dBFS, see `FrameBlock.levels`) below which audio counts as silence: -65 dBFS. */
export const SILENCE_FLOOR_DBFS = -65;

/** Frames on either side of a frame that must all be below the floor for it to be `sil` (15: ±150 ms). */
export const SILENCE_REACH_FRAMES = 15;

/** Frames on either side of a frame over which its local noise floor is the lowest level (100: ±1 s). */
export const FLOOR_REACH_FRAMES = 100;

/**
 * dB above the local noise floor that some frame within ±150 ms must reach for a frame to be speech (the
 * second rule, for steady noise above the absolute floor).
 */
export const FLOOR_MARGIN_DB = 12;

/** Class index of `sil`. */
const SIL = 0;

/**
 * Applies the silence rule to frames as their levels and labels arrive (in order, each at its own pace);
 * `onLabels` gets the final labels in order, a frame once the levels of the frames after it are known.
 * Memory is the frames pushed but not yet handed on.
 *
 * @example
 * ```ts
 * const gate = new SilenceGate(T, (first, labels, confidence) => write(first, labels));
 * gate.pushLevels(block.levels);
 * gate.pushLabels(labels, confidence);
 * gate.finish();
 * ```
 */
export class SilenceGate {
  /** Indices of frames at or above the floor that frames not yet handed on may still see. */
  private loud: number[] = [];
  private loudHead = 0;
  private levelsIn = 0;
  /** Labels and confidences of frames `done .. done + pending - 1`. */
  private labels = new Uint8Array(1024);
  private confidence = new Float32Array(1024);
  private pending = 0;
  private done = 0;
  /** Levels of frames `lvStart ..`. */
  private lv = new Float32Array(4096);
  private lvStart = 0;

  constructor(
    /** Frames in the stream. */
    readonly T: number,
    private readonly onLabels: (first: number, labels: Uint8Array, confidence: Float32Array) => void,
    private readonly floor = SILENCE_FLOOR_DBFS,
    private readonly reach = SILENCE_REACH_FRAMES,
  ) {}

  /** Adds the levels of the next frames. */
  pushLevels(levels: Float32Array): void {
    for (let i = 0; i < levels.length; i++) if (levels[i]! >= this.floor) this.loud.push(this.levelsIn + i);
    const have = this.levelsIn - this.lvStart;
    if (have + levels.length > this.lv.length) {
      const next = new Float32Array(Math.max(2 * this.lv.length, have + levels.length));
      next.set(this.lv.subarray(0, have));
      this.lv = next;
    }
    this.lv.set(levels, have);
    this.levelsIn += levels.length;
    this.release();
  }

  /** Adds the model's labels and confidences of the next frames. */
  pushLabels(labels: Uint8Array, confidence: Float32Array): void {
    if (this.pending + labels.length > this.labels.length) {
      const size = Math.max(2 * this.labels.length, this.pending + labels.length);
      const l = new Uint8Array(size),
        c = new Float32Array(size);
      l.set(this.labels.subarray(0, this.pending));
      c.set(this.confidence.subarray(0, this.pending));
      [this.labels, this.confidence] = [l, c];
    }
    this.labels.set(labels, this.pending);
    this.confidence.set(confidence, this.pending);
    this.pending += labels.length;
    this.release();
  }

  /** Hands on the remaining frames; every level and label must have been pushed. */
  finish(): void {
    if (this.levelsIn !== this.T || this.done + this.pending !== this.T) {
      throw new RangeError(
        `SilenceGate: ${this.levelsIn} levels and ${this.done + this.pending} labels pushed, ${this.T} frames announced`,
      );
    }
    this.release();
  }

  /**
   * Whether frame i lies in steady noise: no frame within ±150 ms reaches {@link FLOOR_MARGIN_DB} above the
   * lowest level within ±1 s (digital silence there, level −∞, leaves it to the first rule).
   */
  private steady(i: number): boolean {
    const at = (j: number): number => this.lv[j - this.lvStart]!;
    let low = Infinity;
    for (let j = Math.max(0, i - FLOOR_REACH_FRAMES), end = Math.min(this.T - 1, i + FLOOR_REACH_FRAMES); j <= end; j++)
      low = Math.min(low, at(j));
    if (low === -Infinity) return false;
    for (let j = Math.max(0, i - this.reach), end = Math.min(this.T - 1, i + this.reach); j <= end; j++)
      if (at(j) >= low + FLOOR_MARGIN_DB) return false;
    return true;
  }

  /** Hands on the frames whose labels are in and whose neighbours' levels are known. */
  private release(): void {
    const known = this.levelsIn >= this.T ? this.T : this.levelsIn - FLOOR_REACH_FRAMES;
    const n = Math.min(this.pending, known - this.done);
    if (n <= 0) return;
    const labels = this.labels.slice(0, n),
      confidence = this.confidence.slice(0, n);
    for (let k = 0; k < n; k++) {
      const i = this.done + k;
      while (this.loudHead < this.loud.length && this.loud[this.loudHead]! < i - this.reach) this.loudHead++;
      const near = this.loudHead < this.loud.length && this.loud[this.loudHead]! <= i + this.reach;
      if (!near || this.steady(i)) {
        labels[k] = SIL;
        confidence[k] = 1;
      }
    }
    if (this.loudHead > 4096) {
      this.loud = this.loud.slice(this.loudHead);
      this.loudHead = 0;
    }
    // Keep the levels the next frames' floors can still see.
    const keepFrom = Math.max(0, this.done + n - FLOOR_REACH_FRAMES);
    if (keepFrom - this.lvStart > 8192) {
      this.lv.copyWithin(0, keepFrom - this.lvStart, this.levelsIn - this.lvStart);
      this.lvStart = keepFrom;
    }
    this.labels.copyWithin(0, n, this.pending);
    this.confidence.copyWithin(0, n, this.pending);
    this.pending -= n;
    this.done += n;
    this.onLabels(this.done - n, labels, confidence);
  }
}
