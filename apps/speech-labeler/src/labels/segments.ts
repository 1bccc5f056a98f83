/**
 * Segments (start, end, label in seconds) and frame labels: the evaluation rule, and back.
 *
 * A frame takes the label of the segment that contains its centre, `sil` where none does.
 */
import { CLASSES, isPhoneClass, type PhoneClass } from './classes.js';

/** A labelled stretch of time, in seconds. */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly label: PhoneClass;
}

/** Frame length in seconds (10 ms). */
export const FRAME_SECONDS = 0.01;

/** Centre of frame i in seconds. */
export function frameCentre(i: number, frameSeconds = FRAME_SECONDS): number {
  return (i + 0.5) * frameSeconds;
}

/**
 * Class index of each of `frames` frames: the segment containing the frame's centre (`start <= c < end`);
 * where segments overlap the later one wins; `sil` (0) where none contains it.
 */
export function segmentsToFrames(
  segments: readonly Segment[],
  frames: number,
  frameSeconds = FRAME_SECONDS,
): Uint8Array {
  const out = new Uint8Array(frames); // 0 = sil
  for (const s of segments) {
    const k = CLASSES.indexOf(s.label);
    // Frames i with start <= (i + 0.5)·f < end.
    const first = Math.max(0, Math.ceil(s.start / frameSeconds - 0.5 - 1e-6));
    const last = Math.min(frames - 1, Math.ceil(s.end / frameSeconds - 0.5 - 1e-6) - 1);
    for (let i = first; i <= last; i++) out[i] = k;
  }
  return out;
}

/**
 * Merges runs of equal frame labels into segments. The last segment ends at `duration` (seconds) when
 * given, else at the last frame's end.
 */
export function framesToSegments(
  labels: ArrayLike<number>,
  duration?: number,
  frameSeconds = FRAME_SECONDS,
): Segment[] {
  const out: Segment[] = [];
  const b = new SegmentBuilder((s) => out.push(s), frameSeconds);
  b.push(labels);
  b.finish(duration);
  return out;
}

/**
 * {@link framesToSegments} on labels that arrive in pieces: `onSegment` gets each segment as soon as the
 * next label differs, and the last one on {@link finish}. Memory is one segment, whatever the length.
 *
 * @example
 * ```ts
 * const b = new SegmentBuilder((s) => write(s));
 * b.push(labels1);
 * b.push(labels2);
 * b.finish(durationSeconds);
 * ```
 */
export class SegmentBuilder {
  private start = 0;
  private label = -1;
  private frames = 0;

  constructor(
    private readonly onSegment: (s: Segment) => void,
    private readonly frameSeconds = FRAME_SECONDS,
  ) {}

  /** Adds the labels of the next frames. */
  push(labels: ArrayLike<number>): void {
    for (let k = 0; k < labels.length; k++, this.frames++) {
      const l = labels[k]!;
      if (l === this.label) continue;
      if (this.label >= 0) this.emit(this.frames * this.frameSeconds);
      this.start = this.frames;
      this.label = l;
    }
  }

  /** Ends the last segment at `duration` seconds when given, else at the last frame's end. */
  finish(duration?: number): void {
    if (this.label >= 0) this.emit(duration ?? this.frames * this.frameSeconds);
    this.label = -1;
  }

  private emit(end: number): void {
    this.onSegment({ start: round(this.start * this.frameSeconds), end: round(end), label: CLASSES[this.label]! });
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/**
 * Reads the evaluation format `{ "segments": [ { "start", "end", "label" }, ... ] }`, checking every field.
 * @param file name used in error messages
 */
export function parseSegmentsJson(text: string, file: string): Segment[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const segs = (doc as { segments?: unknown })?.segments;
  if (!Array.isArray(segs)) throw new Error(`${file}: expected { "segments": [...] }`);
  return segs.map((s: { start?: unknown; end?: unknown; label?: unknown }, i) => {
    if (typeof s?.start !== 'number' || typeof s.end !== 'number' || !(s.end >= s.start)) {
      throw new Error(`${file}: segments[${i}] needs numbers start <= end, got ${JSON.stringify(s)}`);
    }
    if (!isPhoneClass(s.label))
      throw new Error(`${file}: segments[${i}].label ${JSON.stringify(s.label)} is not one of ${CLASSES.join(', ')}`);
    return { start: s.start, end: s.end, label: s.label };
  });
}
