/**
 * The peers compute what attnkit computes: each peer's output equals the TypeScript backend's on small
 * attention cases (no mask, causal, window) and on small encoders.
 */
import { describe, expect, it } from 'vitest';
import type { ModelSpec } from '@attnkit/core';
import { attentionCase, encoderCase, type BenchCase } from '../cases.js';
import type { EngineDescriptor } from '../engine.js';
import { makeInputs } from '../inputs.js';
import { nodeCatalog } from './catalog-node.js';

const catalog = nodeCatalog();
const byId = (id: string): EngineDescriptor => catalog.find((d) => d.id === id)!;

async function output(id: string, c: BenchCase): Promise<Float32Array> {
  const session = await (await byId(id).load()).open();
  try {
    const why = session.unsupported(c);
    if (why) throw new Error(why);
    const prepared = await session.prepare(c, makeInputs(c, 7));
    try {
      return await prepared.run();
    } finally {
      await prepared.dispose();
    }
  } finally {
    await session.dispose();
  }
}

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst).toBeLessThan(tol);
}

const peers = ['ort-matmul', 'ort-attention', 'tfjs-wasm-ops', 'tfjs-cpu-ops'];
const shapes = [
  attentionCase({ batch: 2, heads: 2, seq: 24, headDim: 8, mask: 'none' }, 'seq'),
  attentionCase({ batch: 1, heads: 3, seq: 20, headDim: 16, mask: 'causal' }, 'seq'),
  attentionCase({ batch: 1, heads: 2, seq: 33, headDim: 8, mask: 'window', window: 4 }, 'seq'),
];

describe('attention peers agree with attnkit', { timeout: 60_000 }, () => {
  for (const c of shapes) {
    it(`on ${c.id}`, async () => {
      const expected = await output('ts', c);
      for (const peer of peers) expectClose(await output(peer, c), expected);
    });
  }
});

const small: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: 5,
  dModel: 16,
  heads: 2,
  layers: 2,
  ffnSize: 32,
  positional: { kind: 'sinusoidal' },
  attention: { window: { left: 3, right: 3 } },
  output: { kind: 'per-position', classes: 3 },
};
const postNorm: ModelSpec = {
  ...small,
  norm: 'post',
  activation: 'relu',
  positional: { kind: 'learned', maxLength: 32 },
  attention: [{ causal: true }, { causal: true, window: { left: 2, right: 2 } }],
  output: { kind: 'pooled', classes: 4 },
};

const rotary: ModelSpec = { ...small, positional: { kind: 'rope' }, attention: { window: { left: 2, right: 2 } } };

describe('encoder peers agree with attnkit', { timeout: 60_000 }, () => {
  for (const [name, spec] of [
    ['pre-norm, GELU, sinusoidal, window', small],
    ['post-norm, ReLU, learned, causal, pooled', postNorm],
    ['RoPE, window', rotary],
  ] as const) {
    it(`on a ${name} encoder`, async () => {
      const c = encoderCase(spec, 'test', 19, 2);
      const expected = await output('ts', c);
      for (const peer of ['ort-matmul', 'tfjs-wasm-ops', 'tfjs-cpu-ops']) expectClose(await output(peer, c), expected);
    });
  }

  it('says why the attention-operator peer has no encoder', async () => {
    const session = await (await byId('ort-attention').load()).open();
    expect(session.unsupported(encoderCase(small, 'test', 8))).toMatch(/ort-matmul/);
  });
});
