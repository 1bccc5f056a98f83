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
export { LogMel, DEFAULT_FEATURES, frameCount, normalizeFeatures } from './features/log-mel.js';
export type { FeatureConfig } from './features/log-mel.js';
export { melFilterbank, hzToMel, melToHz } from './features/mel-filterbank.js';
export { CLASSES, FOLDED, fold, classIndex, isPhoneClass } from './labels/classes.js';
export type { PhoneClass, FoldedClass } from './labels/classes.js';
export { segmentsToFrames, framesToSegments, parseSegmentsJson, frameCentre, FRAME_SECONDS } from './labels/segments.js';
export type { Segment } from './labels/segments.js';
export { toJson, toCsv, toTextGrid, formatSegments, toJsonLine, toCsvRows } from './labels/formats.js';
export type { OutputFormat } from './labels/formats.js';
export { parseModelFile, loadModelFromBytes, receptiveField } from './model/model-file.js';
export type { ModelFile, LoadedModel } from './model/model-file.js';
export { loadModelFile, DEFAULT_MODEL_PATH } from './model/model-node.js';
export { runChunked } from './model/chunked-run.js';
export type { ChunkOptions, ChunkedResult } from './model/chunked-run.js';
export { createNodeRegistry, NODE_BACKENDS } from './backends/node-backends.js';
export { createLabeler, DEFAULT_CHUNK } from './pipeline/labeler.js';
export type { Labeler, LabelResult, Timings, ProgressFn } from './pipeline/labeler.js';
export { Confusion } from './eval/confusion.js';
export { evaluateDir, listEvalPairs } from './eval/evaluate.js';
export type { EvalResult, EvalOptions } from './eval/evaluate.js';
