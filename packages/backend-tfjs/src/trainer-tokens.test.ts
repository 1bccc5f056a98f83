/**
 * Training with token input, additive relevance and a graph per sequence: the loss tfjs computes is the
 * float64 reference's (unlabelled positions skipped), and the optimiser moves the embedding table and the
 * additive weights (their gradients reach them) while the loss falls.
 */
import { describe, expect, it } from 'vitest';
import { resolveSpec, type ModelSpec } from '@attnkit/core';
import { referenceModel, tinyEncoderSpec } from '@attnkit/conformance';
import { createTrainer } from './index.js';

const spec: ModelSpec = tinyEncoderSpec({
  inputSize: undefined,
  input: { kind: 'tokens', vocabSize: 6 },
  kvHeads: 1,
  layers: 2,
  ffnSize: 16,
  positional: { kind: 'learned', maxLength: 8 },
  attention: [{ relevance: 'additive' }, { relevance: 'additive', causal: true }],
  output: { kind: 'per-position', classes: 3 },
});
const graph = [{ edges: [0, 0, 0, 1, 1, 0, 1, 1, 2, 1, 2, 2, 3, 3, 3, 0] }, { edges: [0, 0, 1, 0, 1, 1, 2, 2] }];
const batch = {
  input: { shape: [2, 4], data: Int32Array.of(1, 5, 2, 1, 3, 3, 4, -1) },
  lengths: [4, 3],
  // -1: unlabelled (skipped by the loss).
  labels: [0, 2, -1, 1, 1, -1, 2, 0],
  graph,
};

describe('training with token input, additive relevance and graphs', () => {
  it('computes the reference loss and learns the embedding and additive weights', async () => {
    const r = resolveSpec(spec);
    const trainer = await createTrainer(spec, { seed: 4, learningRate: 0.05 });
    try {
      const before = await trainer.exportWeights();
      const arrays = new Map([...before].map(([n, t]) => [n, t.data]));
      const runGraph = { shared: false, edges: graph.map((g) => Int32Array.from(g.edges)) };
      const ids = Float64Array.of(1, 5, 2, 1, 3, 3, 4, 0);
      const { logits } = referenceModel(r, arrays, ids, 2, 4, [4, 3], [], runGraph);
      let total = 0,
        n = 0;
      batch.labels.forEach((y, i) => {
        if (y < 0 || i % 4 >= batch.lengths[Math.floor(i / 4)]!) return;
        const row = Array.from(logits.subarray(i * 3, i * 3 + 3));
        const max = Math.max(...row);
        total += max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) - row[y]!;
        n++;
      });
      const first = await trainer.evaluate(batch);
      expect(first.loss).toBeCloseTo(total / n, 4);
      let last = first.loss;
      for (let s = 0; s < 25; s++) last = (await trainer.step(batch)).loss;
      expect(last).toBeLessThan(first.loss * 0.5);
      const after = await trainer.exportWeights();
      for (const name of [
        'embedding.table',
        'layers.0.attention.additive.weight',
        'layers.1.attention.additive.weight',
      ]) {
        const a = before.get(name)!.data,
          b = after.get(name)!.data;
        expect(
          a.some((x, i) => x !== b[i]),
          name,
        ).toBe(true);
      }
      // Row 0 is read only at the padded position (the padding id): no gradient reaches it.
      const e0 = before.get('embedding.table')!.data.subarray(0, 8);
      expect(Array.from(after.get('embedding.table')!.data.subarray(0, 8))).toEqual(Array.from(e0));
    } finally {
      await trainer.dispose();
    }
  });
});
