/**
 * @attnkit/backend-tfjs: attention and transformer encoders on TensorFlow.js, and training them.
 *
 * @packageDocumentation
 */
export { plugin, createTfjsBackend, tfjsCapabilities } from './tfjs-backend.js';
export type { TfjsBackendOptions } from './tfjs-backend.js';
export type { TfjsEngineName, EngineOptions, WasmFileMap } from './engine.js';
export type { AttentionStrategy } from './attention-ops.js';
export { createTrainer } from './trainer.js';
export type { Trainer, TrainerOptions, BatchResult } from './trainer.js';
export type { TrainingBatch } from './loss.js';
