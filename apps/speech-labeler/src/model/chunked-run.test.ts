import { describe, expect, it } from 'vitest';
import { initWeights, seededRandom, type ModelSpec } from '@attnkit/core';
import { createTsBackend } from '@attnkit/backend-ts';
import { runChunked } from './chunked-run.js';
import { receptiveField } from './model-file.js';

const spec: ModelSpec = {
  type: 'transformer-encoder', inputSize: 6, dModel: 16, heads: 2, layers: 2, ffnSize: 24,
  positional: { kind: 'rope' }, attention: { window: { left: 3, right: 2 } },
  output: { kind: 'per-position', classes: 8 },
};

describe('chunked runs', () => {
  it('receptive field: one window per layer', () => {
    expect(receptiveField(spec)).toBe(6);
    expect(receptiveField({ ...spec, attention: {} })).toBe(Infinity);
  });

  it('label every frame as one run over the whole sequence does, when the context covers the receptive field', async () => {
    const backend = await createTsBackend();
    const model = await backend.compile(spec, initWeights(spec, { seed: 3, randomAll: true }));
    const T = 97, F = 6;
    const rng = seededRandom(9);
    const x = Float32Array.from({ length: T * F }, () => rng.normal());
    const whole = await runChunked(model, x, F, { chunk: T, context: 0, batch: 1 });
    for (const [chunk, batch] of [[10, 1], [13, 4], [50, 8]] as const) {
      const parts = await runChunked(model, x, F, { chunk, context: receptiveField(spec), batch });
      expect(Array.from(parts.labels)).toEqual(Array.from(whole.labels));
      for (let t = 0; t < T; t++) expect(parts.confidence[t]).toBeCloseTo(whole.confidence[t]!, 4);
    }
    await backend.dispose();
  });
});
