import { describe, expect, it } from 'vitest';
import {
  initWeights,
  resolveSpec,
  seededRandom,
  type Model,
  type ModelRunOptions,
  type ModelSpec,
  type Tensor,
} from '@attnkit/core';
import { createTsBackend } from '@attnkit/backend-ts';
import { runChunked } from './chunked-run.js';
import { ChunkStream } from './chunk-stream.js';
import { receptiveField } from './model-file.js';

const spec: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: 6,
  dModel: 16,
  heads: 2,
  layers: 2,
  ffnSize: 24,
  positional: { kind: 'rope' },
  attention: { window: { left: 3, right: 2 } },
  output: { kind: 'per-position', classes: 8 },
};

describe('chunked runs', () => {
  it('receptive field: one window per layer', () => {
    expect(receptiveField(spec)).toBe(6);
    expect(receptiveField({ ...spec, attention: {} })).toBe(Infinity);
  });

  it('label every frame as one run over the whole sequence does, when the context covers the receptive field', async () => {
    const backend = createTsBackend();
    const model = await backend.compile(spec, initWeights(spec, { seed: 3, randomAll: true }));
    const T = 97,
      F = 6;
    const rng = seededRandom(9);
    const x = Float32Array.from({ length: T * F }, () => rng.normal());
    const whole = await runChunked(model, x, F, { chunk: T, context: 0, batch: 1 });
    for (const [chunk, batch] of [
      [10, 1],
      [13, 4],
      [50, 8],
    ] as const) {
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
      dtype: 'float32',
      weightBytes: undefined,
      run: (async (input: Tensor) => {
        shapes.push([...input.shape]);
        const [B, S, F] = input.shape as [number, number, number];
        const logits = new Float32Array(B * S * 8);
        for (let i = 0; i < B * S; i++) logits[i * 8 + (input.data[i * F]! % 8)] = 1;
        return { logits: { shape: [B, S, 8], data: logits } };
      }) as unknown as Model['run'],
      async dispose() {},
    };
    const T = 100_000,
      F = 6;
    const x = new Float32Array(T * F);
    for (let t = 0; t < T; t++) x[t * F] = t % 8;
    const r = await runChunked(fake, x, F, { chunk: 250, context: 48, batch: 16 });
    expect(Math.max(...shapes.map((s) => s[1]!))).toBe(250 + 2 * 48);
    expect(Math.max(...shapes.map((s) => s[0]!))).toBe(16);
    for (let t = 0; t < T; t++) if (r.labels[t] !== t % 8) throw new Error(`frame ${t} labelled ${r.labels[t]}`);
  });

  it('makes the same model calls on frames pushed in pieces, each as soon as its frames are in, keeping only what later calls need', async () => {
    const backend = createTsBackend();
    const model = await backend.compile(spec, initWeights(spec, { seed: 4, randomAll: true }));
    const calls: { shape: number[]; received: number }[] = [];
    let received = 0;
    const spy: Model = {
      ...model,
      run: ((input: Tensor, o?: ModelRunOptions) => (
        calls.push({ shape: [...input.shape], received }),
        model.run(input, o)
      )) as unknown as Model['run'],
    };
    const T = 203,
      F = 6,
      options = { chunk: 20, context: receptiveField(spec), batch: 3 };
    const rng = seededRandom(5);
    const x = Float32Array.from({ length: T * F }, () => rng.normal());
    const whole = await runChunked(spy, x, F, options);
    const wholeShapes = calls.splice(0).map((c) => c.shape);
    const labels = new Uint8Array(T).fill(255);
    const run = new ChunkStream(spy, F, T, options, (first, l) => labels.set(l, first));
    for (const n of [1, 5, 60, 17, 0, 120]) {
      const piece = x.subarray(received * F, Math.min(T, received + n) * F);
      received += piece.length / F;
      await run.push(piece);
    }
    await run.finish();
    expect(Array.from(labels)).toEqual(Array.from(whole.labels));
    expect(calls.map((c) => c.shape)).toEqual(wholeShapes);
    // The first call (cores 0-59, context to 65) is made once frame 65 has come, not at the end.
    expect(calls[0]!.received).toBeLessThan(T);
    await expect(run.push(new Float32Array(F))).rejects.toThrow(
      'ChunkStream: 204 frames pushed, more than the 203 announced',
    );
    await backend.dispose();
  });
});
