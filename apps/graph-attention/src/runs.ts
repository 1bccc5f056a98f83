/**
 * Training and evaluation shared by the examples (this app's graph task and the text example): epochs of
 * batches on backend-tfjs, and a pooled model's predictions and accuracy on any backend.
 */
import { createTrainer, type TrainingBatch } from '@attnkit/backend-tfjs';
import type { Backend, ModelRunOptions, ModelSpec, TokenTensor, Weights } from '@attnkit/core';
import { argmax } from './backends.js';

/** Settings of {@link trainEpochs}. */
export interface EpochSettings {
  readonly epochs: number;
  readonly batch: number;
  readonly seed: number;
  readonly learningRate: number;
  /** Called after each epoch with its mean training loss. */
  readonly onEpoch?: ((epoch: number, loss: number) => void) | undefined;
}

/** Trains `spec` on `items` in order, `batch` at a time, turned into training batches by `batchOf`. */
export async function trainEpochs<T>(
  spec: ModelSpec,
  items: readonly T[],
  batchOf: (slice: readonly T[]) => TrainingBatch,
  s: EpochSettings,
): Promise<Weights> {
  const trainer = await createTrainer(spec, { seed: s.seed, learningRate: s.learningRate });
  try {
    for (let e = 0; e < s.epochs; e++) {
      let loss = 0,
        n = 0;
      for (let i = 0; i < items.length; i += s.batch) {
        loss += (await trainer.step(batchOf(items.slice(i, i + s.batch)))).loss;
        n++;
      }
      s.onEpoch?.(e, loss / n);
    }
    return await trainer.exportWeights();
  } finally {
    await trainer.dispose();
  }
}

/** The predicted class of each sequence of a pooled two-class model on `backend`, and the accuracy. */
export async function predictPooled(
  backend: Backend,
  spec: ModelSpec,
  weights: Weights,
  input: TokenTensor,
  options: ModelRunOptions,
  labels: Int32Array,
): Promise<{ predicted: Int32Array; accuracy: number }> {
  const model = await backend.compile(spec, weights);
  try {
    const out = await model.run(input, options);
    const predicted = Int32Array.from(labels, (_, i) => argmax(out.logits.data, i * 2, 2));
    const right = predicted.reduce((n, p, i) => n + (p === labels[i] ? 1 : 0), 0);
    return { predicted, accuracy: right / labels.length };
  } finally {
    await model.dispose();
  }
}
