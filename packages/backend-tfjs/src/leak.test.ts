/**
 * Every call disposes what it made: tfjs's live-tensor count and bytes return to where they were.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  biasMask,
  boolMask,
  initWeights,
  seededRandom,
  type AttentionOptions,
  type ModelSpec,
  type Tensor,
} from '@attnkit/core';
import { createTfjsBackend, createTrainer } from './index.js';

const rng = seededRandom(1);
const rand = (shape: number[]): Tensor => ({
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)),
});

const [B, Hq, Hkv, S, D] = [2, 4, 2, 9, 8];
const OPTIONS: AttentionOptions[] = [
  {},
  { causal: true, attentionMap: 'probs' },
  { softcap: 2, attentionMap: 'softcapped' },
  { window: { left: 2, right: 1 }, keyPadding: new Int32Array([9, 3]), attentionMap: 'masked' },
  { mask: boolMask(new Uint8Array(S * S), [S, S]), attentionMap: 'probs' }, // every row empty
  {
    mask: biasMask(rand([Hq, 1, S]).data, [Hq, 1, S]),
    alibi: new Float32Array([0.5, 0.25, 0.125, 0.0625]),
    attentionMap: 'scores',
  },
  { graph: { edges: new Int32Array([0, 0, 1, 2, 8, 8]) }, keyLengths: new Int32Array([9, 5]) },
  { past: { key: rand([B, Hkv, 3, D]), value: rand([B, Hkv, 3, D]) }, causal: true },
];

function live(): { tensors: number; bytes: number } {
  const m = tf.memory();
  return { tensors: m.numTensors, bytes: m.numBytes };
}

const spec: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: 3,
  dModel: 8,
  heads: 2,
  kvHeads: 1,
  layers: 2,
  ffnSize: 8,
  positional: { kind: 'rope' },
  attention: [{ causal: true }, { window: { left: 1, right: 1 } }],
  output: { kind: 'per-position', classes: 3 },
};

describe('no tensor leaks', () => {
  const configs = [
    { backend: 'wasm', strategy: 'batched' },
    { backend: 'wasm', strategy: 'per-head' },
    { backend: 'cpu', strategy: 'auto' },
  ] as const;
  for (const config of configs) {
    const engine = `${config.backend} (${config.strategy})`;
    it(`${engine}: attention with every kind of option, many times, in small chunks too`, async () => {
      const backend = await createTfjsBackend({ ...config, chunkElements: 50 });
      const q = rand([B, Hq, S, D]),
        k = rand([B, Hkv, S, D]),
        v = rand([B, Hkv, S, D]);
      await backend.attention(q, k, v); // warm-up
      const start = live();
      for (let round = 0; round < 10; round++) for (const o of OPTIONS) await backend.attention(q, k, v, o);
      expect(live()).toEqual(start);
      await backend.dispose();
    });

    it(`${engine}: compiled models hold their weights until disposed, runs hold nothing`, async () => {
      const backend = await createTfjsBackend(config);
      const start = live();
      const model = await backend.compile(spec, initWeights(spec, { seed: 1 }));
      const compiled = live();
      expect(compiled.tensors).toBeGreaterThan(start.tensors);
      for (let i = 0; i < 20; i++)
        await model.run(rand([2, 6, 3]), { lengths: [6, 4], attentionOf: i % 2 ? [1, 1] : [] });
      expect(live()).toEqual(compiled);
      await model.dispose();
      expect(live()).toEqual(start);
      // A backend disposes the models still open on it.
      await backend.compile(spec, initWeights(spec, { seed: 2 }));
      await backend.dispose();
      expect(live()).toEqual(start);
    });
  }

  it.each(['batched', 'per-head'] as const)(
    'training steps (%s) hold only the variables and the optimiser state; dispose frees them',
    async (strategy) => {
      const start = live();
      const trainer = await createTrainer(spec, { seed: 1, learningRate: 1e-2, strategy });
      const batch = { input: rand([2, 6, 3]), labels: new Int32Array(12), lengths: [6, 5] };
      await trainer.step(batch); // creates Adam's moment variables
      const settled = live();
      for (let i = 0; i < 10; i++) {
        await trainer.step(batch);
        await trainer.evaluate(batch);
        await trainer.predict(batch.input, { lengths: batch.lengths });
        await trainer.exportSafetensors();
      }
      expect(live()).toEqual(settled);
      await trainer.dispose();
      expect(live()).toEqual(start);
    },
  );
});
