/**
 * speech-labeler: labels every 10 ms frame of speech with one of 8 broad phone classes using a
 * self-attention encoder with truncated (local-window) attention.
 *
 * @packageDocumentation
 */
export { WavError } from './audio/wav-error.js';
export { parseWavHeader } from './audio/wav-header.js';
export type { WavInfo } from './audio/wav-header.js';
export { decodeMono, firstNonFinite } from './audio/wav-decode.js';
export { Resampler } from './audio/resample.js';
export { SAMPLE_RATE, wavStream, wavBytesStream, readAll, resampledLength } from './audio/audio-source.js';
export type { AudioStream, ByteReader, WavStreamOptions } from './audio/audio-source.js';
export { openWavFile } from './audio/wav-file.js';
export { listWavFiles } from './audio/wav-list.js';
export { LogMel, DEFAULT_FEATURES, frameCount } from './features/log-mel.js';
export type { FeatureConfig, FrameBlock } from './features/log-mel.js';
export { BandStats, normalizeWith, normalizeFeatures, VARIANCE_FLOOR } from './features/band-stats.js';
export type { BandNormalization } from './features/band-stats.js';
export { melFilterbank, hzToMel, melToHz } from './features/mel-filterbank.js';
export { CLASSES, FOLDED, fold, classIndex, isPhoneClass } from './labels/classes.js';
export type { PhoneClass, FoldedClass } from './labels/classes.js';
export {
  segmentsToFrames,
  framesToSegments,
  SegmentBuilder,
  parseSegmentsJson,
  frameCentre,
  FRAME_SECONDS,
} from './labels/segments.js';
export type { Segment } from './labels/segments.js';
export {
  toJson,
  toCsv,
  toTextGrid,
  formatSegments,
  toJsonLine,
  toCsvRows,
  segmentWriter,
  jsonWriter,
  csvWriter,
  textGridWriter,
  jsonLineWriter,
  csvRowsWriter,
  memorySpool,
  CSV_FILE_HEADER,
} from './labels/formats.js';
export type { OutputFormat, SegmentWriter, TextSink, Spool } from './labels/formats.js';
export { SilenceGate, SILENCE_FLOOR_DBFS, SILENCE_REACH_FRAMES } from './labels/silence-floor.js';
export { parseModelFile, loadModelFromBytes, receptiveField } from './model/model-file.js';
export type { ModelFile, LoadedModel } from './model/model-file.js';
export { loadModelFile, DEFAULT_MODEL_PATH } from './model/model-node.js';
export { runChunked } from './model/chunked-run.js';
export { ChunkStream } from './model/chunk-stream.js';
export type { LabelsFn } from './model/chunk-stream.js';
export type { ChunkOptions, ChunkedResult } from './model/chunked-run.js';
export { createNodeRegistry, NODE_BACKENDS } from './backends/node-backends.js';
export { createLabeler, DEFAULT_CHUNK, dtypeUnsupported } from './pipeline/labeler.js';
export type {
  Labeler,
  LabelerOptions,
  LabelResult,
  LabelSink,
  ModelDtype,
  StreamResult,
  Timings,
  ProgressFn,
} from './pipeline/labeler.js';
export { Confusion } from './eval/confusion.js';
export { evaluateDir, listEvalPairs } from './eval/evaluate.js';
export type { EvalResult, EvalOptions } from './eval/evaluate.js';
