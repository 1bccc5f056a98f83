import { describe, expect, it } from 'vitest';
import { defineBackend } from './backend.js';
import { capabilities } from './capabilities.js';
import { initWeights, resolveSpec } from './index.js';
import { tinySpec } from './spec.test-support.js';
import { tensor } from './tensor.js';

describe('onProgress', () => {
  const spec = resolveSpec(tinySpec({ layers: 3 }));
  let disposed = 0;
  const b = defineBackend({
    name: 'k',
    capabilities: capabilities(['models']),
    attention: () => Promise.reject(new Error('unused')),
    async compile(_spec, _weights, progress) {
      for (let i = 0; i <= 4; i++) progress?.(i / 4);
      return {
        async run(req, progress) {
          // Out of order and out of range on purpose: core keeps what the caller sees rising within 0..1.
          for (const f of [0.5, 0.25, 2, Number.NaN]) progress?.(f);
          return { logits: new Float32Array(req.batch * req.length * 2) };
        },
        dispose: () => {
          disposed++;
        },
      };
    },
  });
  const input = tensor(new Float32Array(2 * 3 * 2), [2, 3, 2]);

  it('reports a rising fraction from 0 that ends at exactly 1, for compile and run', async () => {
    const seen: number[] = [];
    const model = await b.compile(spec, initWeights(spec), { onProgress: (f) => seen.push(f) });
    expect(seen[0]).toBe(0);
    expect(seen.at(-1)).toBe(1);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    const run: number[] = [];
    await model.run(input, { onProgress: (f) => run.push(f) });
    expect(run[0]).toBe(0);
    expect(run.at(-1)).toBe(1);
    for (const f of run) expect(f >= 0 && f <= 1).toBe(true);
    for (let i = 1; i < run.length; i++) expect(run[i]!).toBeGreaterThan(run[i - 1]!);
  });

  it('rejects with what the callback threw, and frees a model whose compile it failed', async () => {
    const before = disposed;
    const boom = new Error('progress bar crashed');
    await expect(
      b.compile(spec, initWeights(spec), {
        onProgress: (f) => {
          if (f > 0.5) throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(disposed).toBe(before + 1);
    const model = await b.compile(spec, initWeights(spec));
    await expect(model.run(input, { onProgress: 'yes' as never })).rejects.toMatchObject({ code: 'ERR_TYPE' });
    await expect(model.run(input)).resolves.toBeDefined();
  });
});
