/**
 * The peers compute what attnkit computes: each peer's output equals the TypeScript backend's on small
 * attention cases (no mask, causal, window), on decoding through a cache, and on small encoders.
 */
import { describe, expect, it } from 'vitest';
import { prepareAttention, toFloat16, toFloat32, type ModelSpec } from '@attnkit/core';
import { assertClose, FLOAT16_RESULT_TOLERANCE, FLOAT16_TOLERANCE, referenceAttention } from '@attnkit/conformance';
import { attentionCase, attentionOptions, encoderCase, type AttentionCase, type BenchCase } from '../cases.js';
import type { EngineDescriptor } from '../engine.js';
import { makeInputs } from '../inputs.js';
import { nodeCatalog } from './catalog-node.js';
import { cacheCase } from '../cache-case.js';
import { cpuFloat16Unsupported, webgpuFloat16Unsupported } from './ort-attention-graphs.js';

const catalog = nodeCatalog();
const byId = (id: string): EngineDescriptor => catalog.find((d) => d.id === id)!;

async function output(id: string, c: BenchCase): Promise<Float32Array> {
  const session = await (await byId(id).load()).open();
  try {
    const why = session.unsupported(c);
    if (why) throw new Error(why);
    const prepared = await session.prepare(c, makeInputs(c, 7));
    try {
      // As the timing loop does: reset before each run. Two runs in a row give the same output.
      await prepared.reset?.();
      const first = (await prepared.run()).slice();
      await prepared.reset?.();
      const second = await prepared.run();
      expect(second).toEqual(first);
      return second;
    } finally {
      await prepared.dispose();
    }
  } finally {
    await session.dispose();
  }
}

/**
 * The float64 reference output of an attention case on its seeded inputs. Decoding through a cache:
 * step t's query is position `S − steps + t` and sees every entry up to its own (causal, aligned by the
 * key length), so the steps together are one causal call of the last `steps` queries.
 */
function referenceOutput(c: AttentionCase): Float32Array {
  const inputs = makeInputs(c, 7);
  if (inputs.kind !== 'attention') throw new Error('not an attention case');
  const options = c.steps !== undefined ? { causal: true, keyLengths: [c.seq] } : attentionOptions(c);
  return Float32Array.from(referenceAttention(prepareAttention(inputs.q, inputs.k, inputs.v, options)).output);
}

/**
 * The float64 reference output of a float16 case: its seeded inputs rounded to float16 (what every engine
 * is fed), attended in float64.
 */
function referenceHalfOutput(c: AttentionCase): Float64Array {
  const inputs = makeInputs(c, 7);
  if (inputs.kind !== 'attention') throw new Error('not an attention case');
  const half = (t: typeof inputs.q) => toFloat32(toFloat16(t));
  return referenceAttention(prepareAttention(half(inputs.q), half(inputs.k), half(inputs.v), attentionOptions(c)))
    .output as Float64Array;
}

function expectClose(actual: Float32Array, expected: Float32Array, tol = 1e-4): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++)
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / (1 + Math.abs(expected[i]!)));
  expect(worst).toBeLessThan(tol);
}

const peers = [
  'ort-matmul',
  'ort-attention',
  'ortweb-wasm',
  'ortweb-wasm-mha',
  'ortweb-wasm-gqa',
  'ortweb-wasm-matmul',
  'tfjs-wasm-ops',
  'tfjs-cpu-ops',
];
const shapes = [
  attentionCase({ batch: 2, heads: 2, seq: 24, headDim: 8, mask: 'none' }, 'seq'),
  attentionCase({ batch: 1, heads: 3, seq: 20, headDim: 16, mask: 'causal' }, 'seq'),
  attentionCase({ batch: 1, heads: 2, seq: 33, headDim: 8, mask: 'window', window: 4 }, 'seq'),
  // Decode steps: one query against a cache, with grouped and with full key/value heads.
  attentionCase({ batch: 1, heads: 4, kvHeads: 2, qLength: 1, seq: 40, headDim: 16, mask: 'none' }, 'decode'),
  attentionCase({ batch: 2, heads: 3, qLength: 1, seq: 17, headDim: 8, mask: 'none' }, 'decode'),
  // Decoding through a cache: 12 entries filled, then 9 steps, with grouped heads.
  cacheCase({ batch: 1, heads: 4, kvHeads: 2, seq: 21, headDim: 16 }, 9),
];

// Which peers cannot express which case, and say so (every other pair runs and is compared).
const cannot = new Set([
  'attention/none/B2-H2-S24-D8 ortweb-wasm-gqa',
  'attention/causal/B1-H3-S20-D16 ortweb-wasm-gqa',
  'attention/window4/B1-H2-S33-D8 ortweb-wasm-gqa',
  'decode/B1-H4-KV2-T40-D16 ortweb-wasm-mha',
  // Decoding through a cache runs on ortweb-wasm (GroupQueryAttention with a past of fixed capacity) only.
  ...peers.filter((p) => p !== 'ortweb-wasm').map((p) => `decode-cache/B1-H4-KV2-C21-D16-9steps ${p}`),
]);

describe('attention peers agree with the float64 reference', { timeout: 60_000 }, () => {
  for (const c of shapes) {
    it(`on ${c.id}`, async () => {
      const expected = referenceOutput(c);
      expectClose(await output('ts', c), expected);
      for (const peer of peers) {
        if (cannot.has(`${c.id} ${peer}`)) {
          await expect(output(peer, c)).rejects.toThrow(/GroupQueryAttention|grouped-query|through a cache/);
          continue;
        }
        expectClose(await output(peer, c), expected);
      }
    });
  }
});

const halfShapes = [
  attentionCase({ batch: 2, heads: 2, seq: 24, headDim: 8, mask: 'none', dtype: 'float16' }, 'float16'),
  attentionCase({ batch: 1, heads: 3, seq: 40, headDim: 16, mask: 'causal', dtype: 'float16' }, 'float16'),
];

describe('float16 attention peers agree with the float64 reference on float16 inputs', { timeout: 60_000 }, () => {
  // The Attention operator's float16 kernel (onnxruntime's CPU provider) rounds its scores and weights to
  // float16 between its matrix products, so it is held to the float16 peer tolerance of the conformance suite
  // (that of its float16 peer vectors); attnkit computes in float32 and narrows once (the float16 result
  // tolerance).
  const runs = ['ort-attention', 'ortweb-wasm'];
  const says: Record<string, RegExp> = {
    'ort-matmul': /float32 only/,
    'ortweb-wasm-matmul': /float32 only/,
    'ortweb-wasm-mha': /no float16 MultiHeadAttention kernel/,
    'ortweb-wasm-gqa': /decode steps only/,
    'tfjs-wasm-ops': /no float16 attention/,
    'tfjs-cpu-ops': /no float16 attention/,
  };
  for (const c of halfShapes) {
    it(`on ${c.id}`, async () => {
      const expected = referenceHalfOutput(c);
      assertClose(await output('ts', c), expected, FLOAT16_RESULT_TOLERANCE, `ts on ${c.id}`);
      for (const peer of runs) {
        const y = await output(peer, c);
        assertClose(y, expected, FLOAT16_TOLERANCE, `${peer} on ${c.id}`);
        // Its output was float16: every value is a half (a float32 result would not be, almost everywhere).
        expect(toFloat32(toFloat16({ shape: [y.length], data: y })).data).toEqual(y);
      }
      for (const [peer, why] of Object.entries(says)) await expect(output(peer, c)).rejects.toThrow(why);
    });
  }

  it('on WebGPU, only with shader-f16 (the dashboard test sees the skip on the software adapter)', () => {
    expect(webgpuFloat16Unsupported('mha', false)).toMatch(/lacks shader-f16/);
    expect(webgpuFloat16Unsupported('mha', true)).toBeUndefined();
    expect(cpuFloat16Unsupported('attention-op')).toBeUndefined();
  });
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
      for (const peer of ['ort-matmul', 'ortweb-wasm-matmul', 'tfjs-wasm-ops', 'tfjs-cpu-ops'])
        expectClose(await output(peer, c), expected);
    });
  }

  it('says why the attention-operator peer has no encoder', async () => {
    const session = await (await byId('ort-attention').load()).open();
    expect(session.unsupported(encoderCase(small, 'test', 8))).toMatch(/ort-matmul/);
  });
});
