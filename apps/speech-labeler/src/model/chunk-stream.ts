/**
 * The chunked run of {@link runChunked} on frames that arrive in pieces: each model call is made as soon
 * as its frames are all in, and only the frames a later call still needs are kept (at most
 * `batch·chunk + 2·context` frames), so memory is flat in the length.
 *
 * Shape legend: T frames in total, F features, B chunks per call, S chunk length with context, C classes.
 *
 * The calls are the same as a run over the whole sequence: chunk cores at `0, chunk, 2·chunk, …`, each
 * with `context` frames on either side (cut at 0 and T), `batch` consecutive chunks per call padded to
 * the longest.
 */
import type { Model } from '@attnkit/core';
import type { ChunkOptions } from './chunked-run.js';

/** One chunk: core `s .. e - 1`, run with frames `from .. to - 1`. */
interface Chunk {
  readonly s: number;
  readonly e: number;
  readonly from: number;
  readonly to: number;
}

/** Labels of frames `first .. first + labels.length - 1`. */
export type LabelsFn = (first: number, labels: Uint8Array, confidence: Float32Array) => void;

/**
 * Runs `model` over T frames pushed in order, calling `onLabels` with the labels of each call's cores.
 *
 * @example
 * ```ts
 * const run = new ChunkStream(model, 40, T, { chunk: 250, context: 48, batch: 16 }, (first, labels) => use(first, labels));
 * for (const block of featureBlocks) await run.push(block);
 * await run.finish();
 * ```
 */
export class ChunkStream {
  private readonly core: number;
  private readonly ctx: number;
  /** Start of the next chunk core to run. */
  private nextCore = 0;
  /** Frames `bufStart .. bufStart + bufLen - 1` are in `buf`. */
  private buf: Float32Array;
  private bufStart = 0;
  private bufLen = 0;
  private received = 0;

  constructor(
    private readonly model: Model,
    private readonly F: number,
    /** Frames the whole stream will push. */
    readonly T: number,
    private readonly options: ChunkOptions,
    private readonly onLabels: LabelsFn,
    private readonly onProgress?: (done: number, total: number) => void,
  ) {
    this.core = Math.max(1, Math.min(options.chunk, T));
    this.ctx = Math.max(0, options.context);
    this.buf = new Float32Array(F * Math.min(T, Math.max(1024, options.batch * this.core + 2 * this.ctx)));
  }

  /** The chunks of the next call. */
  private nextGroup(): Chunk[] {
    const group: Chunk[] = [];
    for (let s = this.nextCore; s < this.T && group.length < this.options.batch; s += this.core) {
      const e = Math.min(this.T, s + this.core);
      group.push({ s, e, from: Math.max(0, s - this.ctx), to: Math.min(this.T, e + this.ctx) });
    }
    return group;
  }

  /** Adds frames `[n, F]` (copied) and makes every call whose frames are all in. */
  async push(frames: Float32Array): Promise<void> {
    const n = frames.length / this.F;
    if (this.received + n > this.T)
      throw new RangeError(`ChunkStream: ${this.received + n} frames pushed, more than the ${this.T} announced`);
    if ((this.bufLen + n) * this.F > this.buf.length) {
      const next = new Float32Array(Math.max(2 * this.buf.length, (this.bufLen + n) * this.F));
      next.set(this.buf.subarray(0, this.bufLen * this.F));
      this.buf = next;
    }
    this.buf.set(frames, this.bufLen * this.F);
    this.bufLen += n;
    this.received += n;
    for (;;) {
      const group = this.nextGroup();
      if (group.length === 0 || group[group.length - 1]!.to > this.received) break;
      await this.run(group);
    }
  }

  /** Checks that all T frames came. */
  async finish(): Promise<void> {
    if (this.received !== this.T)
      throw new RangeError(`ChunkStream: ${this.received} frames pushed, ${this.T} announced`);
    if (this.nextCore < this.T) await this.push(new Float32Array(0));
  }

  private async run(group: Chunk[]): Promise<void> {
    const { F, model } = this;
    const C = model.spec.output.classes;
    const B = group.length;
    const S = Math.max(...group.map((g) => g.to - g.from));
    const input = new Float32Array(B * S * F);
    const lengths = new Int32Array(B);
    group.forEach((g, b) => {
      input.set(this.buf.subarray((g.from - this.bufStart) * F, (g.to - this.bufStart) * F), b * S * F);
      lengths[b] = g.to - g.from;
    });
    const { logits } = await model.run({ shape: [B, S, F], data: input }, { lengths });
    const first = group[0]!.s,
      last = group[B - 1]!.e;
    const labels = new Uint8Array(last - first);
    const confidence = new Float32Array(last - first);
    group.forEach((g, b) => {
      for (let t = g.s; t < g.e; t++) {
        const row = (b * S + (t - g.from)) * C;
        let best = 0,
          max = -Infinity;
        for (let c = 0; c < C; c++) {
          const v = logits.data[row + c]!;
          if (v > max) [max, best] = [v, c];
        }
        let z = 0;
        for (let c = 0; c < C; c++) z += Math.exp(logits.data[row + c]! - max);
        labels[t - first] = best;
        confidence[t - first] = 1 / z;
      }
    });
    this.nextCore = last;
    // Keep the frames from the next call's first context frame on.
    const keepFrom = Math.min(this.received, Math.max(0, last - this.ctx));
    const drop = keepFrom - this.bufStart;
    if (drop > 0) {
      this.buf.copyWithin(0, drop * F, this.bufLen * F);
      this.bufLen -= drop;
      this.bufStart = keepFrom;
    }
    this.onLabels(first, labels, confidence);
    this.onProgress?.(last, this.T);
  }
}
