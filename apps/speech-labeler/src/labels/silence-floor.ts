/**
 * The silence rule: a frame is `sil`, whatever the model says, when no frame within
 * {@link SILENCE_REACH_FRAMES} of it (±150 ms) reaches {@link SILENCE_FLOOR_DBFS}.
 *
 * The model sees features normalised per recording, so it cannot tell a recording of faint noise from
 * speech: digital silence, dither or hiss at -70 dBFS come out as speech. The rule looks at the absolute
 * level instead. Looking ±150 ms around a frame keeps the quiet edges of speech (a fading vowel, a weak
 * fricative, a stop's closure beside its burst) with the model: on the held-out sets the rule changes
 * no label of the model's.
 */

/** Level (dBFS, see `FrameBlock.levels`) below which audio counts as silence: -65 dBFS. */
export const SILENCE_FLOOR_DBFS = -65;

/** Frames on either side of a frame that must all be below the floor for it to be `sil` (15: ±150 ms). */
export const SILENCE_REACH_FRAMES = 15;

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

  /** Hands on the frames whose labels are in and whose neighbours' levels are known. */
  private release(): void {
    const known = this.levelsIn >= this.T ? this.T : this.levelsIn - this.reach;
    const n = Math.min(this.pending, known - this.done);
    if (n <= 0) return;
    const labels = this.labels.slice(0, n),
      confidence = this.confidence.slice(0, n);
    for (let k = 0; k < n; k++) {
      const i = this.done + k;
      while (this.loudHead < this.loud.length && this.loud[this.loudHead]! < i - this.reach) this.loudHead++;
      const near = this.loudHead < this.loud.length && this.loud[this.loudHead]! <= i + this.reach;
      if (!near) {
        labels[k] = SIL;
        confidence[k] = 1;
      }
    }
    if (this.loudHead > 4096) {
      this.loud = this.loud.slice(this.loudHead);
      this.loudHead = 0;
    }
    this.labels.copyWithin(0, n, this.pending);
    this.confidence.copyWithin(0, n, this.pending);
    this.pending -= n;
    this.done += n;
    this.onLabels(this.done - n, labels, confidence);
  }
}
