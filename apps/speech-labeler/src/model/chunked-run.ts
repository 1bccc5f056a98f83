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
import { ChunkStream } from './chunk-stream.js';

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
export async function runChunked(
  model: Model,
  features: Float32Array,
  F: number,
  options: ChunkOptions,
  onProgress?: (done: number, total: number) => void,
): Promise<ChunkedResult> {
  const T = features.length / F;
  const labels = new Uint8Array(T);
  const confidence = new Float32Array(T);
  const run = new ChunkStream(
    model,
    F,
    T,
    options,
    (first, l, c) => {
      labels.set(l, first);
      confidence.set(c, first);
    },
    onProgress,
  );
  await run.push(features);
  await run.finish();
  return { labels, confidence };
}
