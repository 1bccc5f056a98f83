/**
 * Semi-supervised node classification on Zachary's karate club: one sequence of 34 nodes, each node's
 * features its row of the adjacency matrix (with itself), attention restricted to the friendships (and
 * each node to itself) through `graph`, and only the two leaders labelled. The model learns on backend-tfjs
 * and predicts the faction of the other 32 members.
 *
 * Shape legend: N = 34 nodes, F = 34 features, C = 2 factions.
 */
import { createTrainer } from '@attnkit/backend-tfjs';
import type { Backend, ModelSpec, Tensor, Weights } from '@attnkit/core';
import { argmax } from './backends.js';
import { FACTIONS, KARATE_EDGES, KARATE_FACTION, KARATE_LABELLED, KARATE_NODES } from './karate.js';

const N = KARATE_NODES;

/** The encoder: layer 0 scores neighbours additively, layer 1 with the dot product. */
export const KARATE_SPEC: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: N,
  dModel: 16,
  heads: 2,
  layers: 2,
  ffnSize: 32,
  // Nodes have no order: no positional encoding.
  positional: { kind: 'none' },
  attention: [{ relevance: 'additive' }, {}],
  output: { kind: 'per-position', classes: 2, labels: [...FACTIONS] },
};

/** Directed edges `(i, j)`: both directions of every friendship, and every node to itself. */
export function karateEdges(): Int32Array {
  const e: number[] = [];
  for (const [a, b] of KARATE_EDGES) e.push(a, b, b, a);
  for (let i = 0; i < N; i++) e.push(i, i);
  return Int32Array.from(e);
}

/** `[1, N, N]`: row i is node i's neighbourhood (1 for each friend and for itself). */
export function karateFeatures(): Tensor {
  const x = new Float32Array(N * N);
  for (let i = 0; i < N; i++) x[i * N + i] = 1;
  for (const [a, b] of KARATE_EDGES) {
    x[a * N + b] = 1;
    x[b * N + a] = 1;
  }
  return { shape: [1, N, N], data: x };
}

/** Settings of {@link trainKarate}. */
export interface KarateTraining {
  readonly steps?: number;
  readonly seed?: number;
  readonly learningRate?: number;
}

/** Trains on the labelled leaders only; returns the weights and the final training loss. */
export async function trainKarate(o: KarateTraining = {}): Promise<{ weights: Weights; loss: number }> {
  const trainer = await createTrainer(KARATE_SPEC, { seed: o.seed ?? 1, learningRate: o.learningRate ?? 0.01 });
  const labels = new Int32Array(N).fill(-1);
  for (const i of KARATE_LABELLED) labels[i] = KARATE_FACTION[i]!;
  const batch = { input: karateFeatures(), labels, graph: { edges: karateEdges() } };
  let loss = NaN;
  try {
    for (let s = 0; s < (o.steps ?? 60); s++) loss = (await trainer.step(batch)).loss;
    return { weights: await trainer.exportWeights(), loss };
  } finally {
    await trainer.dispose();
  }
}

/** Predictions of one backend, and the attention of the last layer (mean over heads) for the picture. */
export interface KaratePrediction {
  /** Faction per node. */
  readonly predicted: Int32Array;
  /** Accuracy over the members whose faction the model was not told. */
  readonly accuracy: number;
  /** `[N, N]`: attention of node i to node j in the last layer, mean over heads. */
  readonly attention: Float32Array;
}

/** Compiles the trained weights on `backend` and predicts every member's faction. */
export async function predictKarate(backend: Backend, weights: Weights): Promise<KaratePrediction> {
  const model = await backend.compile(KARATE_SPEC, weights);
  try {
    const last = (KARATE_SPEC.layers as number) - 1;
    const out = await model.run(karateFeatures(), { graph: { edges: karateEdges() }, attentionOf: [last] });
    const predicted = Int32Array.from({ length: N }, (_, i) => argmax(out.logits.data, i * 2, 2));
    const map = out.attention![0]!.data;
    const H = KARATE_SPEC.heads;
    const attention = new Float32Array(N * N);
    for (let h = 0; h < H; h++) for (let x = 0; x < N * N; x++) attention[x]! += map[h * N * N + x]! / H;
    return { predicted, accuracy: unlabelledAccuracy(predicted), attention };
  } finally {
    await model.dispose();
  }
}

/** Fraction of the 32 unlabelled members whose predicted faction is the one they joined. */
export function unlabelledAccuracy(predicted: Int32Array): number {
  let right = 0,
    total = 0;
  for (let i = 0; i < N; i++) {
    if (KARATE_LABELLED.includes(i)) continue;
    total++;
    if (predicted[i] === KARATE_FACTION[i]) right++;
  }
  return right / total;
}
