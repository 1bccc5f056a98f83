import { describe, expect, it } from 'vitest';
import { initWeights, resolveSpec, seededRandom, type Model, type ModelSpec } from '@attnkit/core';
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

  it('never runs more than chunk + 2·context frames at once, however long the input (memory linear in the length)', async () => {
    const shapes: number[][] = [];
    // A stand-in model that labels frame t with class t mod 8 of its input's first feature.
    const fake: Model = {
      spec: resolveSpec(spec),
      async run(input) {
        shapes.push([...input.shape]);
        const [B, S, F] = input.shape as [number, number, number];
        const logits = new Float32Array(B * S * 8);
        for (let i = 0; i < B * S; i++) logits[i * 8 + (input.data[i * F]! % 8)] = 1;
        return { logits: { shape: [B, S, 8], data: logits } };
      },
      async dispose() {},
    };
    const T = 100_000, F = 6;
    const x = new Float32Array(T * F);
    for (let t = 0; t < T; t++) x[t * F] = t % 8;
    const r = await runChunked(fake, x, F, { chunk: 250, context: 48, batch: 16 });
    expect(Math.max(...shapes.map((s) => s[1]!))).toBe(250 + 2 * 48);
    expect(Math.max(...shapes.map((s) => s[0]!))).toBe(16);
    for (let t = 0; t < T; t++) if (r.labels[t] !== t % 8) throw new Error(`frame ${t} labelled ${r.labels[t]}`);
  });
});
