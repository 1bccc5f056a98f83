/**
 * The labelling pipeline: audio stream → log-mel features → per-utterance normalisation → encoder in
 * overlapping chunks → one class per 10 ms frame → the silence rule → segments. Works the same in Node
 * and the browser.
 *
 * Two passes, streamed in blocks both times: the first reads the audio, computes the features and gathers
 * the normalisation statistics of each band over the whole recording; the second normalises the features
 * and runs the model on chunks as they fill, and segments are handed on as they end. With a
 * {@link FrameSpool} (the CLI's is a temporary file) the second pass reads back the first pass's frames;
 * without one it reads the audio and computes the features again. Nothing in memory grows with the length
 * but what the caller keeps ({@link Labeler.labelStream}).
 */
import { UnsupportedError, type Backend, type Model } from '@attnkit/core';
import type { AudioStream } from '../audio/audio-source.js';
import { BandStats, normalizeFeatures, normalizeWith } from '../features/band-stats.js';
import { LogMel, frameCount, type FrameBlock } from '../features/log-mel.js';
import { SegmentBuilder, type Segment } from '../labels/segments.js';
import { SilenceGate } from '../labels/silence-floor.js';
import { ChunkStream } from '../model/chunk-stream.js';
import type { ChunkOptions } from '../model/chunked-run.js';
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
  /** Class index per frame (after the silence rule). */
  readonly labels: Uint8Array;
  /** The model's posterior of each frame's class; 1 where the silence rule set `sil`. */
  readonly confidence: Float32Array;
  readonly segments: Segment[];
  /** Normalised features `[frames, bands]`, for drawing or further runs. */
  readonly features: Float32Array;
  readonly timings: Timings;
}

/** What {@link Labeler.labelStream} hands on, as it comes; every callback is optional. */
export interface LabelSink {
  /** After the first pass: the number of frames the recording has. */
  onStart?(frames: number): void;
  /** Normalised features `[n, bands]` of frames `first ..` (the buffer is reused after the call). */
  onFeatures?(first: number, features: Float32Array): void;
  /** Final labels (after the silence rule) and their confidences, of frames `first ..`, in order. */
  onLabels?(first: number, labels: Uint8Array, confidence: Float32Array): void;
  /** Each segment once it has ended, in order. */
  onSegment?(segment: Segment): void;
}

/** Summary of a streamed labelling. */
export interface StreamResult {
  /** Seconds of audio. */
  readonly duration: number;
  readonly frames: number;
  readonly timings: Timings;
}

/** A compiled labeller: a model on a backend, ready for many files. */
export interface Labeler {
  readonly model: Model;
  readonly loaded: LoadedModel;
  readonly backendName: string;
  /** The precision the model holds its weights in (see {@link LabelerOptions.dtype}). */
  readonly dtype: ModelDtype;
  readonly chunk: ChunkOptions;
  /** Labels a recording and keeps everything (labels, confidences, features, segments): for short ones. */
  label(stream: AudioStream, onProgress?: ProgressFn): Promise<LabelResult>;
  /**
   * Labels a recording of any length with memory flat in its length: results go to `sink` as they come.
   * A bad file (a truncated or non-finite sample) throws before `onStart`, in the first pass.
   */
  labelStream(stream: AudioStream, sink: LabelSink, onProgress?: ProgressFn): Promise<StreamResult>;
  /** Computes normalised features only. */
  features(
    stream: AudioStream,
    onProgress?: ProgressFn,
  ): { features: Float32Array; frames: number; timings: Pick<Timings, 'read' | 'features'> };
  dispose(): Promise<void>;
}

/**
 * Where the first pass keeps its frames (features and levels, in order) for the second. A spool in a
 * file keeps memory flat in the length and spares the second pass the reading and the features.
 */
export interface FrameSpool {
  write(block: FrameBlock): void;
  /** The blocks written, in order (read once; the spool is then used up). */
  read(): Iterable<FrameBlock>;
  /** Frees what the spool holds (a temporary file); safe to call twice. */
  dispose(): void;
}

/** The precision a model holds its weights in. */
export type ModelDtype = 'float32' | 'float16';

/** Options of {@link createLabeler}. */
export interface LabelerOptions {
  /** A fresh spool per recording; none: the second pass recomputes the features from the audio. */
  readonly spool?: () => FrameSpool;
  /**
   * `float16`: the model holds its weights in float16 (core's `compile(spec, weights, { dtype: 'float16' })`,
   * half the memory), on a backend that declares `models:float16`; others are refused with an
   * `UnsupportedError` naming the backend and the feature. Default `float32`.
   */
  readonly dtype?: ModelDtype;
}

/**
 * Why `backend` cannot hold a model in `dtype`, or `undefined` when it can: float16 needs the feature
 * `models:float16`.
 */
export function dtypeUnsupported(backend: Backend, dtype: ModelDtype): string | undefined {
  if (dtype !== 'float16' || backend.capabilities.features.has('models:float16')) return undefined;
  const why = backend.capabilities.reasons?.['models:float16'];
  return `backend "${backend.name}" lacks the feature models:float16${why ? ` (${why})` : ''}, so it cannot hold the model in float16; label with dtype float32 (--dtype float32), or on a backend that has models:float16 (onnx, ts, webgpu)`;
}

/**
 * Default chunking: 1000 frames (10 s) per chunk, 4 chunks per call. Every backend's attention costs
 * O(S·w) within a chunk, so longer chunks only save the receptive field's context frames on each side (48
 * for the earlier 3-layer model: 1.10× the frames instead of 1.38× with 250-frame chunks; one hour, best of
 * three on a quiet 2-core machine: onnx 865× real time against 733×, ts 384× against 363×).
 */
export const DEFAULT_CHUNK = { chunk: 1000, batch: 4 } as const;

/** Frames the feature extractor holds between takes (it grows if a block brings more). */
const BLOCK_FRAMES = 1024;

/**
 * Compiles `loaded` on `backend`.
 *
 * @example
 * ```ts
 * const labeler = await createLabeler(backend, loaded);
 * const { segments } = await labeler.label(openWavFile('speech.wav'));
 * ```
 */
export async function createLabeler(
  backend: Backend,
  loaded: LoadedModel,
  chunk: Partial<ChunkOptions> = {},
  labelerOptions: LabelerOptions = {},
): Promise<Labeler> {
  const dtype = labelerOptions.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float16')
    throw new UnsupportedError(`dtype: expected float32 or float16, got "${String(dtype)}"`, 'dtype');
  const refused = dtypeUnsupported(backend, dtype);
  if (refused) throw new UnsupportedError(refused, 'dtype');
  const model = await backend.compile(loaded.file.spec, loaded.weights, dtype === 'float16' ? { dtype } : {});
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
    let read = 0,
      feat = 0;
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

  const labelStream: Labeler['labelStream'] = async (stream, sink, onProgress) => {
    const timings: Timings = { read: 0, features: 0, model: 0 };
    /** Runs `each` on the feature blocks of one pass over the audio, timing the reading and the features. */
    const pass = async (
      each: (b: FrameBlock) => Promise<void> | void,
      onBytes?: (done: number, total: number) => void,
    ): Promise<void> => {
      const fx = new LogMel(cfg, BLOCK_FRAMES);
      let t = performance.now();
      for (const block of stream.blocks(onBytes)) {
        const t1 = performance.now();
        timings.read += t1 - t;
        fx.push(block);
        const frames = fx.take();
        timings.features += performance.now() - t1;
        await each(frames);
        t = performance.now();
      }
      timings.read += performance.now() - t;
      const t2 = performance.now();
      const last = fx.take(true);
      timings.features += performance.now() - t2;
      await each(last);
    };

    // Pass 1: the normalisation statistics (and the frames, when spooled).
    const spool = labelerOptions.spool?.();
    try {
      return await twoPasses(spool);
    } finally {
      spool?.dispose();
    }

    async function twoPasses(spool: FrameSpool | undefined): Promise<StreamResult> {
      const stats = new BandStats(cfg.bands);
      await pass(
        (b) => {
          const t = performance.now();
          stats.add(b.features);
          timings.features += performance.now() - t;
          if (spool) {
            const t1 = performance.now();
            spool.write(b);
            timings.read += performance.now() - t1;
          }
        },
        (done, total) => onProgress?.('audio', done, total),
      );
      const T = stats.frames,
        norm = stats.result();
      const duration = stream.length / cfg.sampleRate;
      sink.onStart?.(T);

      // Pass 2: features again, normalised, through the model in chunks, the silence rule and segments.
      const segments = new SegmentBuilder((s) => sink.onSegment?.(s), cfg.hop / cfg.sampleRate);
      const gate = new SilenceGate(T, (first, labels, confidence) => {
        sink.onLabels?.(first, labels, confidence);
        segments.push(labels);
      });
      const run = new ChunkStream(
        model,
        cfg.bands,
        T,
        options,
        (_first, labels, confidence) => gate.pushLabels(labels, confidence),
        (d, n) => onProgress?.('model', d, n),
      );
      const second = async (b: FrameBlock): Promise<void> => {
        const t = performance.now();
        normalizeWith(b.features, norm);
        sink.onFeatures?.(b.first, b.features);
        gate.pushLevels(b.levels);
        const t1 = performance.now();
        timings.features += t1 - t;
        await run.push(b.features);
        timings.model += performance.now() - t1;
      };
      if (spool) {
        let t = performance.now();
        for (const b of spool.read()) {
          timings.read += performance.now() - t;
          await second(b);
          t = performance.now();
        }
        timings.read += performance.now() - t;
      } else await pass(second);
      const t = performance.now();
      await run.finish();
      gate.finish();
      segments.finish(duration);
      timings.model += performance.now() - t;
      return { duration, frames: T, timings };
    }
  };

  return {
    model,
    loaded,
    backendName: backend.name,
    dtype,
    chunk: options,
    features,
    labelStream,
    async label(stream, onProgress) {
      let labels = new Uint8Array(0),
        confidence = new Float32Array(0),
        feats = new Float32Array(0);
      const segments: Segment[] = [];
      const r = await labelStream(
        stream,
        {
          onStart(T) {
            labels = new Uint8Array(T);
            confidence = new Float32Array(T);
            feats = new Float32Array(T * cfg.bands);
          },
          onFeatures: (first, f) => feats.set(f, first * cfg.bands),
          onLabels(first, l, c) {
            labels.set(l, first);
            confidence.set(c, first);
          },
          onSegment: (s) => void segments.push(s),
        },
        onProgress,
      );
      return { duration: r.duration, labels, confidence, features: feats, segments, timings: r.timings };
    },
    dispose: () => model.dispose(),
  };
}
