/**
 * The attention model for the agreement grammar: token input, sinusoidal positions (the subject is
 * recognised by where it stands), a pooled head (one label per sentence, N→1). Trained on backend-tfjs.
 *
 * Shape legend: B sentences per batch, S words (padded), C = 2.
 */
import type { Backend, ModelSpec, Weights } from '@attnkit/core';
import { predictPooled, trainEpochs } from 'graph-attention/runs';
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
export function trainAgreement(train: readonly Sentence[], o: AgreementTraining = {}): Promise<Weights> {
  return trainEpochs(
    AGREEMENT_SPEC,
    train,
    (slice) => {
      const b = sentenceBatch(slice);
      return { input: b.input, labels: b.labels, lengths: b.lengths };
    },
    {
      epochs: o.epochs ?? 10,
      batch: o.batch ?? 32,
      seed: o.seed ?? 3,
      learningRate: o.learningRate ?? 3e-3,
      onEpoch: o.onEpoch,
    },
  );
}

/** Predicted labels of `test` on `backend`, and their accuracy. */
export function predictAgreement(
  backend: Backend,
  weights: Weights,
  test: readonly Sentence[],
): Promise<{ predicted: Int32Array; accuracy: number }> {
  const b = sentenceBatch(test);
  return predictPooled(backend, AGREEMENT_SPEC, weights, b.input, { lengths: b.lengths }, b.labels);
}
