/**
 * The labelling pipeline: audio stream → log-mel features → per-utterance normalisation → encoder in
 * overlapping chunks → one class per 10 ms frame → segments. Works the same in Node and the browser.
 */
import type { Backend, Model } from '@attnkit/core';
import type { AudioStream } from '../audio/audio-source.js';
import { LogMel, frameCount, normalizeFeatures } from '../features/log-mel.js';
import { framesToSegments, type Segment } from '../labels/segments.js';
import { runChunked, type ChunkOptions } from '../model/chunked-run.js';
import { receptiveField, type LoadedModel } from '../model/model-file.js';

/** Where the time went, in milliseconds. */
export interface Timings {
  /** Reading the file, decoding, mixing down and resampling. */
  read: number;
  /** Log-mel features and normalisation. */
  features: number;
  /** The encoder, including chunking and argmax. */
  model: number;
}

/** Progress of one file: a stage and its fraction done. */
export type ProgressFn = (stage: 'audio' | 'model', done: number, total: number) => void;

/** A labelled recording. */
export interface LabelResult {
  /** Seconds of audio. */
  readonly duration: number;
  /** Class index per frame. */
  readonly labels: Uint8Array;
  readonly confidence: Float32Array;
  readonly segments: Segment[];
  /** Normalised features `[frames, bands]`, for drawing or further runs. */
  readonly features: Float32Array;
  readonly timings: Timings;
}

/** A compiled labeller: a model on a backend, ready for many files. */
export interface Labeler {
  readonly model: Model;
  readonly loaded: LoadedModel;
  readonly backendName: string;
  readonly chunk: ChunkOptions;
  label(stream: AudioStream, onProgress?: ProgressFn): Promise<LabelResult>;
  /** Computes normalised features only. */
  features(stream: AudioStream, onProgress?: ProgressFn): { features: Float32Array; frames: number; timings: Pick<Timings, 'read' | 'features'> };
  dispose(): Promise<void>;
}

/** Default chunking: 250 frames (2.5 s) per chunk, 16 chunks per call (the fastest on ONNX Runtime, whose attention is dense within a chunk). */
export const DEFAULT_CHUNK = { chunk: 250, batch: 16 } as const;

/**
 * Compiles `loaded` on `backend`.
 *
 * @example
 * ```ts
 * const labeler = await createLabeler(backend, loaded);
 * const { segments } = await labeler.label(openWavFile('speech.wav'));
 * ```
 */
export async function createLabeler(backend: Backend, loaded: LoadedModel, chunk: Partial<ChunkOptions> = {}): Promise<Labeler> {
  const model = await backend.compile(loaded.file.spec, loaded.weights);
  const field = receptiveField(loaded.file.spec);
  const options: ChunkOptions = {
    chunk: chunk.chunk ?? (Number.isFinite(field) ? DEFAULT_CHUNK.chunk : Number.MAX_SAFE_INTEGER),
    context: chunk.context ?? (Number.isFinite(field) ? field : 0),
    batch: chunk.batch ?? DEFAULT_CHUNK.batch,
  };
  const cfg = loaded.file.features;
  const features: Labeler['features'] = (stream, onProgress) => {
    const frames = frameCount(stream.length, cfg);
    const fx = new LogMel(cfg, frames);
    let read = 0, feat = 0;
    let t = performance.now();
    for (const block of stream.blocks((done, total) => onProgress?.('audio', done, total))) {
      const t1 = performance.now();
      read += t1 - t;
      fx.push(block);
      t = performance.now();
      feat += t - t1;
    }
    read += performance.now() - t;
    const t2 = performance.now();
    const out = normalizeFeatures(fx.finish(), cfg.bands);
    feat += performance.now() - t2;
    return { features: out, frames: out.length / cfg.bands, timings: { read, features: feat } };
  };
  return {
    model, loaded, backendName: backend.name, chunk: options,
    features,
    async label(stream, onProgress) {
      const f = features(stream, onProgress);
      const t = performance.now();
      const { labels, confidence } = await runChunked(model, f.features, cfg.bands, options, (d, n) => onProgress?.('model', d, n));
      const modelMs = performance.now() - t;
      const duration = stream.length / cfg.sampleRate;
      return {
        duration, labels, confidence, features: f.features,
        segments: framesToSegments(labels, duration, cfg.hop / cfg.sampleRate),
        timings: { ...f.timings, model: modelMs },
      };
    },
    dispose: () => model.dispose(),
  };
}
