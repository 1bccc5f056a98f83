/**
 * The graph-level task: is there an N–O bond? A pooled encoder (mean over atoms, then the head) reads the
 * atoms as tokens. With `graph`, each atom attends only to itself and the atoms bonded to it; the
 * baseline is the same encoder attending to every atom of its graph (it sees the atoms, not the bonds).
 *
 * Shape legend: B graphs per batch, S = 14 atoms (padded), C = 2.
 */
import type { Backend, ModelSpec, Weights } from '@attnkit/core';
import { predictPooled, trainEpochs } from './runs.js';
import { ATOMS, moleculeBatch, molecules, type Molecule } from './molecules.js';

/** The encoder: token input (atom kinds), no positions (atoms have no order), pooled output. */
export const MOLECULE_SPEC: ModelSpec = {
  type: 'transformer-encoder',
  input: { kind: 'tokens', vocabSize: ATOMS.length },
  dModel: 16,
  heads: 2,
  layers: 2,
  ffnSize: 32,
  positional: { kind: 'none' },
  output: { kind: 'pooled', classes: 2, labels: ['no N–O bond', 'N–O bond'] },
};

/** Sizes of the data and of training. */
export interface MoleculeSettings {
  readonly train?: number;
  readonly test?: number;
  readonly epochs?: number;
  readonly batch?: number;
  readonly seed?: number;
  /** Restrict attention to bonds (default true); `false` is the baseline. */
  readonly useGraph?: boolean;
}

/** The training and test graphs of `s` (disjoint seeds). */
export function moleculeData(s: MoleculeSettings = {}): { train: Molecule[]; test: Molecule[] } {
  const seed = s.seed ?? 7;
  return { train: molecules(s.train ?? 600, seed), test: molecules(s.test ?? 200, seed + 1000) };
}

/** Trains on backend-tfjs; returns the weights. */
export function trainMolecules(train: readonly Molecule[], s: MoleculeSettings = {}): Promise<Weights> {
  return trainEpochs(
    MOLECULE_SPEC,
    train,
    (slice) => {
      const b = moleculeBatch(slice);
      return {
        input: b.input,
        labels: b.labels,
        lengths: b.lengths,
        ...(s.useGraph === false ? {} : { graph: b.graph }),
      };
    },
    { epochs: s.epochs ?? 12, batch: s.batch ?? 32, seed: s.seed ?? 7, learningRate: 0.01 },
  );
}

/** Predicted labels of `test` on `backend`, and their accuracy. */
export function predictMolecules(
  backend: Backend,
  weights: Weights,
  test: readonly Molecule[],
  useGraph = true,
): Promise<{ predicted: Int32Array; accuracy: number }> {
  const b = moleculeBatch(test);
  return predictPooled(
    backend,
    MOLECULE_SPEC,
    weights,
    b.input,
    { lengths: b.lengths, ...(useGraph ? { graph: b.graph } : {}) },
    b.labels,
  );
}
