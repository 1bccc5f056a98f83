/**
 * Decode steps (one or a few queries against a long cache) with grouped heads: the kernels copy each
 * key/value head once for all its query heads, and run their one-row paths. Checked against the float64
 * reference, on one thread and on the pool, for head sizes that use every tail of the SIMD loops.
 */
import { prepareAttention, seededRandom } from '@attnkit/core';
import { maxAbsDiff, referenceAttention } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { createTsBackend } from './index.js';
import { createTsEngine } from './ts-backend.js';

function tensor(shape: number[], seed: number): { shape: number[]; data: Float32Array } {
  const rng = seededRandom(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { shape, data };
}

const cases = [
  { B: 1, Hq: 32, Hkv: 8, Sq: 1, T: 4096, D: 128, causal: false }, // large enough for the pool
  { B: 2, Hq: 6, Hkv: 2, Sq: 3, T: 70, D: 20, causal: true },
  { B: 1, Hq: 4, Hkv: 4, Sq: 1, T: 67, D: 36, causal: false },
  { B: 1, Hq: 8, Hkv: 1, Sq: 2, T: 129, D: 68, causal: false },
];

describe('decode steps', () => {
  for (const c of cases) {
    for (const threads of [1, 2]) {
      it(`B${c.B} Hq${c.Hq} Hkv${c.Hkv} Sq${c.Sq} T${c.T} D${c.D}${c.causal ? ' causal' : ''}, ${threads} thread(s)`, async () => {
        const q = tensor([c.B, c.Hq, c.Sq, c.D], 1);
        const k = tensor([c.B, c.Hkv, c.T, c.D], 2);
        const v = tensor([c.B, c.Hkv, c.T, c.D], 3);
        const options = c.causal ? { causal: true } : {};
        const expected = referenceAttention(prepareAttention(q, k, v, options)).output;
        const backend = createTsBackend({ threads });
        try {
          const { output } = await backend.attention(q, k, v, options);
          const worst = maxAbsDiff(output.data, expected);
          expect(output.data.length).toBe(expected.length);
          expect(worst).toBeLessThan(2e-5);
        } finally {
          await backend.dispose();
        }
      }, 60_000);
    }
  }
});

describe('keys and values copied in while the workers run', () => {
  it('each unit waits for its head: every call of a decode loop matches the reference, the inputs untouched', async () => {
    // Large enough for the pool (2 threads); the calling thread copies a key/value head (16 MiB of keys and
    // values here, long enough for the worker to be at the head while it is being copied) at a time.
    const c = { B: 1, Hq: 8, Hkv: 2, Sq: 1, T: 16384, D: 128 };
    const { backend, engine } = createTsEngine({ threads: 2 });
    try {
      // New keys and values each step: a unit that read its head before it was copied would see the last
      // step's. The steps run back to back (the references are computed first), so that the worker, still
      // awake from the step before, is at the first head while it is being copied.
      const steps = [0, 1, 2, 3].map((step) => {
        const q = tensor([c.B, c.Hq, c.Sq, c.D], 10 + step);
        const k = tensor([c.B, c.Hkv, c.T, c.D], 20 + step);
        const v = tensor([c.B, c.Hkv, c.T, c.D], 30 + step);
        const copies = [q.data.slice(), k.data.slice(), v.data.slice()];
        return { q, k, v, copies, expected: referenceAttention(prepareAttention(q, k, v, {})).output };
      });
      const before = engine!.overlappedCalls;
      const outputs = [];
      for (const { q, k, v } of steps) outputs.push((await backend.attention(q, k, v)).output.data);
      expect(engine!.overlappedCalls - before).toBe(steps.length);
      for (const [i, { q, k, v, copies, expected }] of steps.entries()) {
        const worst = maxAbsDiff(outputs[i]!, expected);
        expect(worst).toBeLessThan(2e-5);
        // Element by element (toEqual on millions of floats takes minutes).
        expect([q.data, k.data, v.data].map((a, t) => a.every((x, j) => Object.is(x, copies[t]![j])))).toEqual([
          true,
          true,
          true,
        ]);
      }
      // A non-finite key is still refused, after the workers summed what was copied; the backend stays usable.
      const q = tensor([c.B, c.Hq, c.Sq, c.D], 1);
      const k = tensor([c.B, c.Hkv, c.T, c.D], 2);
      const v = tensor([c.B, c.Hkv, c.T, c.D], 3);
      k.data[k.data.length - 5] = Number.NaN;
      await expect(backend.attention(q, k, v)).rejects.toMatchObject({ code: 'ERR_NON_FINITE' });
      k.data[k.data.length - 5] = 0.5;
      const expected = referenceAttention(prepareAttention(q, k, v, {})).output;
      const { output } = await backend.attention(q, k, v);
      const worst = maxAbsDiff(output.data, expected);
      expect(worst).toBeLessThan(2e-5);
    } finally {
      await backend.dispose();
    }
  }, 60_000);
});
