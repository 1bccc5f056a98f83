import * as ort from 'onnxruntime-node';
import { biasMask, boolMask, prepareAttention, type AttentionOptions, type Backend } from '@attnkit/core';
import {
  assertClose,
  attentionCase,
  FLOAT32_TOLERANCE,
  makeInputs,
  referenceAttention,
  type CaseShape,
} from '@attnkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAttention } from './attention-kernel.js';
import { createOnnxBackend } from './onnx-backend.js';
import { resolveOptions } from './runtime.js';
import { SessionCache } from './session-cache.js';

const sessionOptions = resolveOptions({ threads: 1 }).session;

async function checkAgainstReference(
  cache: SessionCache<ort.InferenceSession>,
  shape: CaseShape,
  options: AttentionOptions,
  seed: number,
): Promise<void> {
  const { q, k, v, past } = makeInputs(shape, seed);
  const p = prepareAttention(q, k, v, past ? { ...options, past } : options);
  const out = await runAttention(ort, cache, sessionOptions, p);
  const ref = referenceAttention(p);
  assertClose(out.output, ref.output, FLOAT32_TOLERANCE, 'output');
  if (ref.weights) assertClose(out.attentionMap, ref.weights, FLOAT32_TOLERANCE, 'weights');
}

describe('attention sessions', () => {
  it('one session serves every batch size and sequence length with the same options', async () => {
    const cache = new SessionCache<ort.InferenceSession>(8);
    let seed = 1;
    for (const B of [1, 3]) {
      for (const [Sq, Sk] of [
        [1, 1],
        [7, 7],
        [5, 40],
        [64, 33],
      ] as const) {
        await checkAgainstReference(cache, { B, Hq: 4, Hkv: 2, Sq, Sk, Dk: 8, Dv: 8 }, { causal: true }, seed++);
      }
    }
    expect(cache.stats().created).toBe(1);
    // A local window runs through an additive bias: one more session, again for every length.
    for (const S of [3, 17, 50]) {
      await checkAgainstReference(
        cache,
        { B: 2, Hq: 2, Hkv: 2, Sq: S, Sk: S, Dk: 4, Dv: 4 },
        { window: { left: 2, right: 1 } },
        seed++,
      );
    }
    expect(cache.stats().created).toBe(2);
    await cache.dispose();
  });

  it('distinct options beyond the cache size evict and release the least recently used sessions', async () => {
    const cache = new SessionCache<ort.InferenceSession>(2);
    const shape: CaseShape = { B: 1, Hq: 2, Hkv: 2, Sq: 4, Sk: 4, Dk: 4, Dv: 4 };
    for (let n = 0; n < 6; n++) await checkAgainstReference(cache, shape, { scale: (n + 1) / 10 }, n);
    await cache.settled();
    expect(cache.stats()).toEqual({ size: 2, created: 6, released: 4 });
    // The two most recent are still cached: using them creates nothing.
    await checkAgainstReference(cache, shape, { scale: 0.6 }, 10);
    await checkAgainstReference(cache, shape, { scale: 0.5 }, 11);
    expect(cache.stats().created).toBe(6);
    await cache.dispose();
    expect(cache.stats()).toEqual({ size: 0, created: 6, released: 6 });
  });
});

describe('the sum of the inputs (how core checks them for NaN and ±Infinity)', () => {
  const shape: CaseShape = { B: 2, Hq: 2, Hkv: 1, Sq: 3, Sk: 6, Dk: 4, Dv: 5, P: 2 };
  const squares64 = (...arrays: Float32Array[]): number => arrays.reduce((s, a) => a.reduce((t, x) => t + x * x, s), 0);
  const cases: [string, AttentionOptions][] = [
    ['no mask', {}],
    ['a bias (window)', { window: { left: 1, right: 0 } }],
    ['weights', { causal: true, attentionMap: 'probs' }],
  ];
  for (const [name, options] of cases) {
    it(`covers q, k, v and the past: ${name}`, async () => {
      const cache = new SessionCache<ort.InferenceSession>(2);
      const { q, k, v, past } = makeInputs(shape, 7);
      const p = prepareAttention(q, k, v, { ...options, past: past! }, { finiteInputs: false });
      const { inputSquares } = await runAttention(ort, cache, sessionOptions, p);
      // float32 accumulation over about 50 values of magnitude below 1 for each tensor
      expect(inputSquares!.q).toBeCloseTo(squares64(q.data), 4);
      expect(inputSquares!.k).toBeCloseTo(squares64(past!.key.data, k.data), 4);
      expect(inputSquares!.v).toBeCloseTo(squares64(past!.value.data, v.data), 4);
      // A value no query sees still makes the sum non-finite: with the padding, batch 0 sees keys 0-3
      // of T = 8 (2 past, 6 new), and element 16 of v is new key 3 = key 5.
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        const vData = v.data.slice();
        vData[16] = bad;
        const spoiled = prepareAttention(
          q,
          k,
          { shape: v.shape, data: vData },
          { ...options, keyPadding: [4, 8], past: past! },
          { finiteInputs: false },
        );
        const r = await runAttention(ort, cache, sessionOptions, spoiled);
        expect(Number.isFinite(r.inputSquares!.v)).toBe(false);
      }
      await cache.dispose();
    });
  }
});

describe('attention options the operator does not take as they are', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createOnnxBackend({ threads: 1 });
  });
  afterAll(() => backend.dispose());

  const s: CaseShape = { B: 2, Hq: 4, Hkv: 2, Sq: 5, Sk: 9, Dk: 8, Dv: 6 };
  const T = s.Sk;
  const bits = (n: number, f: (i: number) => boolean): Uint8Array =>
    Uint8Array.from({ length: n }, (_, i) => (f(i) ? 1 : 0));
  const ramp = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => ((i * 7) % 11) / 5 - 1);
  const cases: [string, CaseShape, AttentionOptions][] = [
    [
      'bool mask [B, 1, Sq, T] (broadcast over heads)',
      s,
      {
        mask: boolMask(
          bits(s.B * s.Sq * T, (i) => i % 3 !== 0),
          [s.B, 1, s.Sq, T],
        ),
      },
    ],
    [
      'bias mask [1, Hq, Sq, T] (broadcast over batch)',
      s,
      { mask: biasMask(ramp(s.Hq * s.Sq * T), [1, s.Hq, s.Sq, T]) },
    ],
    ['bias mask [Hq, Sq, T]', s, { mask: biasMask(ramp(s.Hq * s.Sq * T), [s.Hq, s.Sq, T]) }],
    [
      'bool mask [B, 1, 1, T] (broadcast over queries)',
      s,
      {
        mask: boolMask(
          bits(s.B * T, (i) => i % 4 !== 1),
          [s.B, 1, 1, T],
        ),
      },
    ],
    ['bias mask [Sq, 1] (broadcast over keys)', s, { mask: biasMask(ramp(s.Sq), [s.Sq, 1]) }],
    ['bias mask [T] with one query', { ...s, Sq: 1 }, { mask: biasMask(ramp(T), [T]) }],
    [
      'bool mask with bytes other than 0 and 1',
      s,
      {
        mask: boolMask(
          Uint8Array.from({ length: s.Sq * T }, (_, i) => [0, 2, 255, 1][i % 4]!),
          [s.Sq, T],
        ),
      },
    ],
    [
      'key lengths with a bool mask, causal',
      { ...s, Sq: 4 },
      {
        causal: true,
        keyLengths: [9, 5],
        mask: boolMask(
          bits(4 * T, (i) => i % 5 !== 2),
          [4, T],
        ),
      },
    ],
    ['key lengths of zero', s, { keyLengths: [0, 3], attentionMap: 'probs' }],
    ['key padding with a bias mask', s, { keyPadding: [4, 9], mask: biasMask(ramp(s.Sq * T), [s.Sq, T]) }],
    ['key padding, causal (alignment stays top-left)', s, { keyPadding: [6, 2], causal: true }],
    ['causal over a past with Sk = Sq', { ...s, Sq: 3, Sk: 3, P: 4 }, { causal: true }],
    ['causal over a past with Sk ≠ Sq', { ...s, Sq: 2, Sk: 3, P: 4 }, { causal: true }],
    [
      'causal over a past with a bool mask and weights',
      { ...s, Sq: 3, Sk: 3, P: 5 },
      {
        causal: true,
        mask: boolMask(
          bits(3 * 8, (i) => i % 3 !== 1),
          [3, 8],
        ),
        attentionMap: 'probs',
      },
    ],
    [
      'masked weights with a bool mask (masked entries are -Infinity)',
      s,
      {
        mask: boolMask(
          bits(s.Sq * T, (i) => i % 2 === 0),
          [s.Sq, T],
        ),
        attentionMap: 'masked',
      },
    ],
    [
      'softcap, causal and key lengths together',
      { ...s, Sq: 4 },
      { softcap: 0.7, scale: 1.3, causal: true, keyLengths: [7, 9], attentionMap: 'softcapped' },
    ],
  ];
  let seed = 100;
  for (const [name, shape, options] of cases) {
    const { q, k, v, past } = makeInputs(shape, seed++);
    const c = attentionCase(name, q, k, v, past ? { ...options, past } : options);
    it(`${name} matches the reference`, () => c.run(backend));
  }
});

describe('float16 graphs', () => {
  it('feed halves to a graph that casts them for the operator, and return Y as halves unless asked for float32', async () => {
    const { planAttention } = await import('./attention-plan.js');
    const { toFloat16, tensor } = await import('@attnkit/core');
    const x = toFloat16(
      tensor(
        Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => Math.sin(i)),
        [1, 2, 3, 4],
      ),
    );
    const half = planAttention(prepareAttention(x, x, x, { causal: true }));
    expect(half.signature.half).toBe('in-out');
    expect(half.feeds.slice(0, 3).map((f) => [f.type, f.data.constructor.name])).toEqual([
      ['float16', 'Uint16Array'],
      ['float16', 'Uint16Array'],
      ['float16', 'Uint16Array'],
    ]);
    expect(Array.from(half.feeds[0]!.data as Uint16Array)).toEqual(Array.from(x.data));
    expect(planAttention(prepareAttention(x, x, x, { outputDtype: 'float32' })).signature.half).toBe('in');
  });
});
