/**
 * Labels a long feature sequence with a compiled encoder in overlapping chunks, so memory and work grow
 * linearly with the length (the attention of a chunk is at most `(chunk + 2·context)²`).
 *
 * Shape legend: T frames in total, F features, B chunks per run, S chunk length with context, C classes.
 *
 * Each chunk's core of `chunk` frames is run with `context` frames on either side. With local-window
 * attention and relative positions (RoPE/ALiBi/none), a context of at least the receptive field makes the
 * core's labels equal to those of a run over the whole sequence.
 */
import type { Model } from '@attnkit/core';

/** How to cut the sequence. */
export interface ChunkOptions {
  /** Frames labelled per chunk (its core). */
  readonly chunk: number;
  /** Frames of context on each side of a core. */
  readonly context: number;
  /** Chunks per model call. */
  readonly batch: number;
}

/** Result of {@link runChunked}. */
export interface ChunkedResult {
  /** Class index per frame, `[T]`. */
  readonly labels: Uint8Array;
  /** Posterior of the chosen class per frame (softmax), `[T]`. */
  readonly confidence: Float32Array;
}

/**
 * Runs `model` over `features` `[T, F]` chunk by chunk and takes the argmax class of each frame.
 * @param onProgress called with (frames done, T) after each model call
 */
export async function runChunked(model: Model, features: Float32Array, F: number, options: ChunkOptions, onProgress?: (done: number, total: number) => void): Promise<ChunkedResult> {
  const T = features.length / F;
  const C = model.spec.output.classes;
  const labels = new Uint8Array(T);
  const confidence = new Float32Array(T);
  const core = Math.max(1, Math.min(options.chunk, T));
  const ctx = Math.max(0, options.context);
  const starts: number[] = [];
  for (let s = 0; s < T; s += core) starts.push(s);
  for (let b0 = 0; b0 < starts.length; b0 += options.batch) {
    const group = starts.slice(b0, b0 + options.batch).map((s) => {
      const e = Math.min(T, s + core);
      const from = Math.max(0, s - ctx), to = Math.min(T, e + ctx);
      return { s, e, from, to };
    });
    const B = group.length;
    const S = Math.max(...group.map((g) => g.to - g.from));
    const input = new Float32Array(B * S * F);
    const lengths = new Int32Array(B);
    group.forEach((g, b) => {
      input.set(features.subarray(g.from * F, g.to * F), b * S * F);
      lengths[b] = g.to - g.from;
    });
    const { logits } = await model.run({ shape: [B, S, F], data: input }, { lengths });
    group.forEach((g, b) => {
      for (let t = g.s; t < g.e; t++) {
        const row = (b * S + (t - g.from)) * C;
        let best = 0, max = -Infinity;
        for (let c = 0; c < C; c++) {
          const v = logits.data[row + c]!;
          if (v > max) [max, best] = [v, c];
        }
        let z = 0;
        for (let c = 0; c < C; c++) z += Math.exp(logits.data[row + c]! - max);
        labels[t] = best;
        confidence[t] = 1 / z;
      }
    });
    onProgress?.(group[group.length - 1]!.e, T);
  }
  return { labels, confidence };
}
