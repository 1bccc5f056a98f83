import { describe, expect, it } from 'vitest';
import { prepareAttention } from './attention-problem.js';
import { pack, unpack } from './layout.js';
import { keyBand } from './attention-semantics.js';
import { tensor } from './tensor.js';

const t = (shape: number[]) =>
  tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i),
    shape,
  );

describe('prepareAttention', () => {
  it('unpacks [B, S, H·D] into [B, H, S, D] and back', () => {
    const x = t([2, 3, 2 * 4]).data;
    const u = unpack(x, 2, 3, 2, 4);
    // element (b=1, s=2, h=1, d=3) moves to (b=1, h=1, s=2, d=3)
    expect(u[((1 * 2 + 1) * 3 + 2) * 4 + 3]).toBe(x[((1 * 3 + 2) * 2 + 1) * 4 + 3]);
    expect(pack(u, 2, 2, 3, 4)).toEqual(x);
  });

  it('fills defaults: scale 1/sqrt(Dk), no softcap, no attention map', () => {
    const p = prepareAttention(t([1, 2, 3, 16]), t([1, 1, 5, 16]), t([1, 1, 5, 7]));
    expect(p.scale).toBeCloseTo(0.25, 12);
    expect(p).toMatchObject({ softcap: 0, attentionMap: 'none', group: 2, keyDim: 16, valueDim: 7, keyLength: 5 });
  });

  it('aligns causal masks top-left, after a cache, and at keyLengths - Sq', () => {
    const q = t([1, 1, 2, 2]);
    const k = t([1, 1, 4, 2]);
    expect(keyBand(prepareAttention(q, k, k, { causal: true }), 0, 0)).toEqual([0, 1]);
    const past = { key: t([1, 1, 3, 2]), value: t([1, 1, 3, 2]) };
    expect(keyBand(prepareAttention(q, k, k, { causal: true, past }), 0, 1)).toEqual([0, 5]);
    expect(keyBand(prepareAttention(q, k, k, { causal: true, keyLengths: [3] }), 0, 0)).toEqual([0, 2]);
    // keyPadding masks keys but keeps the top-left alignment
    expect(keyBand(prepareAttention(q, k, k, { causal: true, keyPadding: [3] }), 0, 1)).toEqual([0, 2]);
  });

  it('bounds a window on both sides', () => {
    const q = t([1, 1, 10, 2]);
    const p = prepareAttention(q, q, q, { window: { left: 2, right: 1 } });
    expect(keyBand(p, 0, 0)).toEqual([0, 2]);
    expect(keyBand(p, 0, 5)).toEqual([3, 7]);
    expect(keyBand(p, 0, 9)).toEqual([7, 10]);
  });

  it('builds sorted, de-duplicated graph rows', () => {
    const q = t([1, 1, 3, 2]);
    const p = prepareAttention(q, q, q, { graph: { edges: [2, 1, 0, 2, 2, 0, 2, 1] } });
    expect(Array.from(p.graph!.offsets)).toEqual([0, 1, 1, 3]);
    expect(Array.from(p.graph!.keys)).toEqual([2, 0, 1]);
    expect(keyBand(p, 0, 1)).toEqual([0, 0]);
  });

  it('names the argument in errors', () => {
    const q = t([1, 2, 3, 4]);
    expect(() => prepareAttention(q, t([1, 2, 3, 5]), q)).toThrow(
      'k: shape [1,2,3,5] does not match q [1,2,3,4]: Dk 5 vs 4',
    );
  });
});
