import { describe, expect, it } from 'vitest';
import { resolveSpec, weightShapes, type ModelSpec } from './model-spec.js';
import { initWeights, validateWeights } from './weights.js';

const spec: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: 4,
  dModel: 8,
  heads: 2,
  kvHeads: 1,
  layers: 2,
  ffnSize: 12,
  output: { kind: 'pooled', classes: 3 },
};

describe('weights', () => {
  it('initialises every weight of the spec, reproducibly for a seed', () => {
    const a = initWeights(spec, { seed: 7 });
    const b = initWeights(spec, { seed: 7 });
    const c = initWeights(spec, { seed: 8 });
    expect([...a.keys()]).toEqual([...weightShapes(spec).keys()]);
    expect(a.get('layers.1.attention.key.weight')!.shape).toEqual([4, 8]);
    expect(a.get('layers.0.norm1.weight')!.data.every((x) => x === 1)).toBe(true);
    expect(a.get('input.weight')!.data).toEqual(b.get('input.weight')!.data);
    expect(a.get('input.weight')!.data).not.toEqual(c.get('input.weight')!.data);
    const bound = 1 / Math.sqrt(8);
    expect(a.get('head.weight')!.data.every((x) => Math.abs(x) <= bound)).toBe(true);
    expect(validateWeights(spec, a).size).toBe(a.size);
  });

  it('names missing, extra and mis-shaped weights', () => {
    const w = initWeights(spec);
    const missing = new Map(w);
    missing.delete('final_norm.bias');
    expect(() => validateWeights(spec, missing)).toThrow('weights: "final_norm.bias" is missing; expected shape [8]');
    expect(() => validateWeights(spec, new Map([...w, ['extra', { shape: [1], data: new Float32Array(1) }]]))).toThrow(
      '"extra" is not a weight of this spec',
    );
    expect(() =>
      validateWeights(spec, new Map([...w, ['head.bias', { shape: [4], data: new Float32Array(4) }]])),
    ).toThrow('"head.bias" has shape [4], expected [3]');
  });

  it('resolves defaults', () => {
    const r = resolveSpec(spec);
    expect(r).toMatchObject({
      activation: 'gelu',
      norm: 'pre',
      normEpsilon: 1e-5,
      positional: { kind: 'sinusoidal' },
      headDim: 4,
    });
    expect(r.attention).toHaveLength(2);
  });
});
