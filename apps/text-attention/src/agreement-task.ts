/**
 * The attention model for the agreement grammar: token input, sinusoidal positions (the subject is
 * recognised by where it stands), a pooled head (one label per sentence, N→1). Trained on backend-tfjs.
 *
 * Shape legend: B sentences per batch, S words (padded), C = 2.
 */
import { createTrainer } from '@attnkit/backend-tfjs';
import type { Backend, ModelSpec, Weights } from '@attnkit/core';
import { argmax } from 'graph-attention/backends';
import { sentenceBatch, VOCAB, type Sentence } from './grammar.js';

/** The encoder. */
export const AGREEMENT_SPEC: ModelSpec = {
  type: 'transformer-encoder',
  input: { kind: 'tokens', vocabSize: VOCAB.length },
  dModel: 32,
  heads: 4,
  layers: 2,
  ffnSize: 64,
  positional: { kind: 'sinusoidal' },
  output: { kind: 'pooled', classes: 2, labels: ['disagrees', 'agrees'] },
};

/** Training settings. */
export interface AgreementTraining {
  readonly epochs?: number;
  readonly batch?: number;
  readonly seed?: number;
  readonly learningRate?: number;
  /** Called after each epoch with its mean training loss. */
  readonly onEpoch?: (epoch: number, loss: number) => void;
}

/** Trains the encoder on `train`; returns its weights. */
export async function trainAgreement(train: readonly Sentence[], o: AgreementTraining = {}): Promise<Weights> {
  const trainer = await createTrainer(AGREEMENT_SPEC, { seed: o.seed ?? 3, learningRate: o.learningRate ?? 3e-3 });
  const size = o.batch ?? 32;
  try {
    for (let e = 0; e < (o.epochs ?? 10); e++) {
      let loss = 0,
        n = 0;
      for (let i = 0; i < train.length; i += size) {
        const b = sentenceBatch(train.slice(i, i + size));
        loss += (await trainer.step({ input: b.input, labels: b.labels, lengths: b.lengths })).loss;
        n++;
      }
      o.onEpoch?.(e, loss / n);
    }
    return await trainer.exportWeights();
  } finally {
    await trainer.dispose();
  }
}

/** Predicted labels of `test` on `backend`, and their accuracy. */
export async function predictAgreement(
  backend: Backend,
  weights: Weights,
  test: readonly Sentence[],
): Promise<{ predicted: Int32Array; accuracy: number }> {
  const model = await backend.compile(AGREEMENT_SPEC, weights);
  try {
    const b = sentenceBatch(test);
    const out = await model.run(b.input, { lengths: b.lengths });
    const predicted = Int32Array.from(test, (_, i) => argmax(out.logits.data, i * 2, 2));
    const right = predicted.reduce((n, p, i) => n + (p === b.labels[i] ? 1 : 0), 0);
    return { predicted, accuracy: right / test.length };
  } finally {
    await model.dispose();
  }
}
