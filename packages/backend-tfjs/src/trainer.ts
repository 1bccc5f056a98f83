/**
 * Training an encoder with tfjs's autodiff: the spec's weights as trainable variables, a cross-entropy
 * loss (per position with padding excluded, or per sequence), Adam or SGD, and export to the shared
 * safetensors format so that every backend can run the result.
 *
 * Shape legend: B batch, S length, F input size, C classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  AttnkitError,
  DisposedError,
  encodeSafetensors,
  expectSignal,
  throwIfAborted,
  type CallOptions,
  initWeights,
  prepareModelRun,
  resolveSpec,
  validateWeights,
  weightShapes,
  type ModelRunOptions,
  type ModelSpec,
  type ResolvedSpec,
  type Tensor,
  type TokenTensor,
  type Weights,
} from '@attnkit/core';
import type { AttentionStrategy } from './attention-ops.js';
import { encoderForward, type EncoderSettings } from './encoder.js';
import { withRuntime, startRuntime, type TfjsRuntimeOptions, type TfjsBackendName } from './tfjs-runtime.js';
import { registerEncoderGradients } from './gradients.js';
import { accuracy, crossEntropy, prepareBatch, type TrainingBatch } from './loss.js';
import { toSpecLayout, toTfjsLayout } from './weight-layout.js';

/** Options of {@link createTrainer}. */
export interface TrainerOptions extends TfjsRuntimeOptions {
  /** Seed of the initial weights (core's `initWeights`); default 0. Same seed, same batches: same weights. */
  readonly seed?: number;
  /** Start from these weights instead of seeded ones. */
  readonly weights?: Weights;
  /** Default `1e-3`. */
  readonly learningRate?: number;
  /** Default `adam` (β₁ 0.9, β₂ 0.999, ε 1e-7). */
  readonly optimizer?: 'adam' | 'sgd';
  /**
   * How attention is evaluated; see `TfjsBackendOptions.strategy`. Default `auto`: per head on wasm from
   * `2^22` multiply-adds per head (the backward pass costs more kernel calls per head than a forward pass).
   */
  readonly strategy?: 'auto' | AttentionStrategy;
}

/** Loss and accuracy of one batch. */
export interface BatchResult {
  /** Mean cross-entropy over the counted positions (or sequences). */
  readonly loss: number;
  /** Fraction of counted positions (or sequences) whose top class is the label. */
  readonly accuracy: number;
}

/** How far {@link Trainer.fit} is, after each step. */
export interface FitProgress {
  /** 0-based epoch, and the number of epochs. */
  readonly epoch: number;
  /** Epochs of the whole fit (`options.epochs`, default 1). */
  readonly epochs: number;
  /** Steps done in this epoch, and steps per epoch (one per batch). */
  readonly step: number;
  /** Steps in one epoch: the number of batches given to `fit`. */
  readonly stepsPerEpoch: number;
  /** The step's batch loss and accuracy (before its update, as {@link Trainer.step} reports them). */
  readonly loss: number;
  /** The step's batch accuracy: the fraction of counted positions (or sequences) whose top class is the label. */
  readonly accuracy: number;
  /** Steps done over all steps of the fit, from above 0 to exactly 1. */
  readonly fraction: number;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions extends CallOptions {
  /** Passes over the batches (default 1). */
  readonly epochs?: number;
  /** Called after every step. An error it throws stops the fit and rejects it (the step's update stays). */
  readonly onProgress?: (progress: FitProgress) => void;
}

/** What {@link Trainer.fit} returns: each epoch's mean loss and accuracy over its batches. */
export interface FitResult {
  /** One entry per epoch, in order: its mean loss and accuracy over its batches (before each batch's update). */
  readonly epochs: readonly BatchResult[];
}

/** An encoder being trained. */
export interface Trainer {
  /** The spec being trained, validated and with every default filled in. */
  readonly spec: ResolvedSpec;
  /** The tfjs backend in use (`tfjsBackend`, and `fallback` when wasm could not start). */
  readonly info: Readonly<Record<string, string | number | boolean>>;
  /** Optimiser steps taken so far. */
  readonly steps: number;
  /**
   * One optimiser step on a batch; the loss and accuracy are those of the weights before the step.
   * `options.signal`: an aborted signal rejects with `ERR_ABORTED` before the step starts, leaving the
   * weights and `steps` unchanged; a step that has started completes (an update is all or nothing).
   */
  step(batch: TrainingBatch, options?: CallOptions): Promise<BatchResult>;
  /**
   * Steps through `batches` for `options.epochs` passes, reporting progress after every step. Aborting
   * `options.signal` rejects with `ERR_ABORTED` before the next step: the weights keep every update made.
   *
   * @example
   * ```ts
   * const { epochs } = await trainer.fit(batches, {
   *   epochs: 5,
   *   onProgress: (p) => process.stdout.write(`\repoch ${p.epoch + 1}/${p.epochs} ${(100 * p.fraction).toFixed(0)}%`),
   * });
   * ```
   */
  fit(batches: readonly TrainingBatch[], options?: FitOptions): Promise<FitResult>;
  /** Loss and accuracy without changing the weights. */
  evaluate(batch: TrainingBatch): Promise<BatchResult>;
  /** Logits `[B, S, C]` (zeros at padding) or `[B, C]` of the current weights. */
  predict(input: Tensor | TokenTensor, options?: Pick<ModelRunOptions, 'lengths' | 'graph'>): Promise<Tensor>;
  /** The current weights, named as the spec names them (copies). */
  exportWeights(): Promise<Map<string, Tensor>>;
  /** The current weights as safetensors bytes; metadata records the spec as JSON under `spec`. */
  exportSafetensors(metadata?: Record<string, string>): Promise<Uint8Array>;
  /** Frees the variables and the optimiser state. Later calls throw `ERR_DISPOSED`. */
  dispose(): Promise<void>;
}

/**
 * Creates a trainer for `spec` on tfjs (wasm by default, else cpu; see `options.backend`).
 *
 * @example
 * ```ts
 * const trainer = await createTrainer(spec, { seed: 1, learningRate: 1e-2 });
 * for (const batch of batches) console.log((await trainer.step(batch)).loss);
 * writeFileSync('model.safetensors', await trainer.exportSafetensors());
 * await trainer.dispose();
 * ```
 */
export async function createTrainer(spec: ModelSpec, options: TrainerOptions = {}): Promise<Trainer> {
  const resolved = resolveSpec(spec);
  const lr = options.learningRate ?? 1e-3;
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr)) {
    throw new AttnkitError(
      'ERR_RANGE',
      `options.learningRate: expected a positive number, got ${String(lr)}`,
      'options.learningRate',
    );
  }
  if (options.optimizer !== undefined && options.optimizer !== 'adam' && options.optimizer !== 'sgd') {
    throw new AttnkitError(
      'ERR_OPTION',
      `options.optimizer: expected "adam" or "sgd", got ${JSON.stringify(options.optimizer)}`,
      'options.optimizer',
    );
  }
  const initial = validateWeights(resolved, options.weights ?? initWeights(resolved, { seed: options.seed ?? 0 }));
  const runtime = await startRuntime(options);
  registerEncoderGradients();
  const name: TfjsBackendName = runtime.name;
  const settings: EncoderSettings = { tfjsBackend: name, strategy: options.strategy ?? 'auto', training: true };
  const shapes = weightShapes(resolved);
  const { variables, optimizer } = await withRuntime(name, () => {
    const vars = new Map<string, tf.Variable>();
    for (const [n, shape] of shapes) {
      const w = toTfjsLayout(n, shape, initial.get(n)!);
      const init = tf.tensor(w.data, w.shape);
      vars.set(n, tf.variable(init, true));
      init.dispose(); // the variable keeps the data
    }
    return { variables: vars, optimizer: options.optimizer === 'sgd' ? tf.train.sgd(lr) : tf.train.adam(lr) };
  });
  const lookup = (n: string): tf.Tensor => variables.get(n)!;
  const C = resolved.output.classes;
  let steps = 0;
  let disposed = false;
  const guard = (): void => {
    if (disposed) throw new DisposedError('trainer');
  };

  const lossOf = async (batch: TrainingBatch, train: boolean): Promise<BatchResult> => {
    guard();
    const b = prepareBatch(resolved, batch);
    const { run } = b;
    let logits: tf.Tensor | undefined;
    const loss = await withRuntime(name, () => {
      const forward = (): tf.Scalar => {
        const input = tf.tensor3d(run.input, [run.batch, run.length, resolved.inputSize]);
        const out = encoderForward(resolved, lookup, input, run.lengths, [], settings, run.graph);
        logits = tf.keep(out.logits);
        return crossEntropy(out.logits, tf.tensor(b.targets, b.targetShape));
      };
      if (!train) return tf.tidy(forward);
      const cost = optimizer.minimize(forward, true, [...variables.values()]);
      steps++;
      return cost!;
    });
    try {
      const [l, z] = await Promise.all([loss.data(), logits!.data()]);
      return { loss: l[0]!, accuracy: accuracy(z as Float32Array, b, C) };
    } finally {
      loss.dispose();
      logits!.dispose();
    }
  };

  const exportWeights = async (): Promise<Map<string, Tensor>> => {
    guard();
    const out = new Map<string, Tensor>();
    for (const [n, v] of variables) {
      const shape = shapes.get(n)!;
      out.set(n, { shape: [...shape], data: toSpecLayout(n, shape, (await v.data()) as Float32Array) });
    }
    return out;
  };

  return {
    spec: resolved,
    info: runtime.info,
    get steps() {
      return steps;
    },
    async step(batch, options) {
      guard();
      throwIfAborted(expectSignal(options?.signal, 'options.signal'), 'trainer.step');
      return lossOf(batch, true);
    },
    async fit(batches, options = {}) {
      guard();
      if (!Array.isArray(batches) || batches.length === 0)
        throw new AttnkitError('ERR_TYPE', 'batches: expected a non-empty array of training batches', 'batches');
      const signal = expectSignal(options.signal, 'options.signal');
      const epochs = options.epochs ?? 1;
      if (!Number.isInteger(epochs) || epochs < 1)
        throw new AttnkitError(
          'ERR_OPTION',
          `options.epochs: expected a positive integer, got ${String(epochs)}`,
          'options.epochs',
        );
      const onProgress = options.onProgress;
      if (onProgress !== undefined && typeof onProgress !== 'function')
        throw new AttnkitError('ERR_TYPE', 'options.onProgress: expected a function', 'options.onProgress');
      const perEpoch = batches.length;
      const results: BatchResult[] = [];
      for (let epoch = 0; epoch < epochs; epoch++) {
        let loss = 0,
          acc = 0;
        for (let i = 0; i < perEpoch; i++) {
          throwIfAborted(signal, 'trainer.fit');
          const r = await lossOf(batches[i]!, true);
          loss += r.loss;
          acc += r.accuracy;
          onProgress?.({
            epoch,
            epochs,
            step: i + 1,
            stepsPerEpoch: perEpoch,
            loss: r.loss,
            accuracy: r.accuracy,
            fraction: (epoch * perEpoch + i + 1) / (epochs * perEpoch),
          });
        }
        results.push({ loss: loss / perEpoch, accuracy: acc / perEpoch });
      }
      return { epochs: results };
    },
    evaluate: (batch) => lossOf(batch, false),
    async predict(input, runOptions = {}) {
      guard();
      const run = prepareModelRun(resolved, input, {
        ...(runOptions.lengths === undefined ? {} : { lengths: runOptions.lengths }),
        ...(runOptions.graph === undefined ? {} : { graph: runOptions.graph }),
      });
      const logits = await withRuntime(name, () =>
        tf.tidy(() => {
          const x = tf.tensor3d(run.input, [run.batch, run.length, resolved.inputSize]);
          return encoderForward(resolved, lookup, x, run.lengths, [], settings, run.graph).logits;
        }),
      );
      try {
        return { shape: [...logits.shape], data: (await logits.data()) as Float32Array };
      } finally {
        logits.dispose();
      }
    },
    exportWeights,
    async exportSafetensors(metadata = {}) {
      return encodeSafetensors(await exportWeights(), { format: 'attnkit', spec: JSON.stringify(spec), ...metadata });
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      optimizer.dispose();
      for (const v of variables.values()) v.dispose();
    },
  };
}
