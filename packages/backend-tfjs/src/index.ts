/**
 * @attnkit/backend-tfjs: attention and transformer encoders on TensorFlow.js, and training them.
 *
 * @packageDocumentation
 */
export { plugin, createTfjsBackend, tfjsCapabilities } from './tfjs-backend.js';
export type { TfjsBackendOptions } from './tfjs-backend.js';
export type { TfjsBackendName, TfjsRuntimeOptions, WasmFileMap } from './tfjs-runtime.js';
// The former names (attnkit's benchmark calls what it measures "engines"; here that word meant a tfjs backend).
// oxlint-disable-next-line typescript/no-deprecated -- the former names stay importable
export type { TfjsEngineName, EngineOptions } from './tfjs-runtime.js';
export type { AttentionStrategy } from './attention-ops.js';
export { createTrainer } from './trainer.js';
export type { Trainer, TrainerOptions, BatchResult, FitOptions, FitProgress, FitResult } from './trainer.js';
export type { TrainingBatch } from './loss.js';
