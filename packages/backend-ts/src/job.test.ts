/**
 * A call's job (job.ts): the SIMD sums of squares that replace core's JavaScript scan, and small calls
 * shared between the calling thread and a worker, one after another with their own counters.
 */
import { prepareAttention, seededRandom } from '@attnkit/core';
import { referenceAttention } from '@attnkit/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createTsEngine } from './ts-backend.js';
import { HELP_MAX_WORK, POOL_MIN_WORK, callWork } from './memory-engine.js';
import { WATCH_MS } from './pool.js';
import { SQUARES_CHUNK, chunkCount } from './job.js';
import { oneUnitPerKvHead } from './attention-wasm.js';

function tensor(shape: number[], seed: number, scale = 1): { shape: number[]; data: Float32Array } {
  const rng = seededRandom(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-scale, scale);
  return { shape, data };
}

/** Σ x² in float64, from the definition. */
const exactSquares = (x: Float32Array): number => x.reduce((s, a) => s + a * a, 0);

describe('sumSquares (the SIMD sum of squares)', () => {
  const { engine, backend } = createTsEngine({ threads: 1 });
  afterAll(() => backend.dispose());
  const sum = async (values: Float32Array): Promise<number> => {
    const kernels = await engine!.kernels();
    const block = engine!.arena.allocate(Math.max(1, values.length), false);
    kernels.f32().set(values, block.at);
    const s = kernels.exports.sumSquares(block.at * 4, values.length);
    engine!.arena.release(block);
    return s;
  };

  it('matches the float64 sum within float32 rounding, at every length around the vector and run sizes', async () => {
    for (const n of [0, 1, 3, 15, 16, 17, 63, 4095, 4096, 4097, 3 * 4096 + 5, 100_003]) {
      const x = tensor([n], n + 1).data;
      const exact = exactSquares(x);
      const got = await sum(x);
      if (n === 0) expect(got).toBe(0);
      else expect(Math.abs(got - exact) / exact).toBeLessThan(1e-5);
      // Never below the true sum by more than the rounding it allows for: it is used as an upper bound.
      expect(got).toBeGreaterThanOrEqual(exact * (1 - 2 ** -22));
    }
  });

  it('bounds the largest square from above, even for one element whose square rounds down', async () => {
    // (1 + 2^-12)² = 1 + 2^-11 + 2^-24 lies halfway between two floats and rounds (to even) down.
    const x = 1 + 2 ** -12;
    expect(Math.fround(x * x)).toBeLessThan(x * x);
    for (const pad of [0, 20]) {
      const values = new Float32Array(pad + 1);
      values[pad] = x;
      expect(await sum(values)).toBeGreaterThanOrEqual(x * x);
    }
  });

  it('is not finite when an element is NaN or infinite, wherever it lies', async () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const at of [0, 5, 17, 4100]) {
        const values = tensor([4200], at).data;
        values[at] = bad;
        expect(Number.isFinite(await sum(values))).toBe(false);
      }
    }
  });
});

describe('kernel sums for core (sumsInputSquares)', () => {
  // A decode step (each key/value head read by one unit, which sums its own inputs) and a call of two query
  // blocks per head (the sums run as chunks first); both large enough for the pool and several chunks.
  const shapes = [
    { Hq: 32, Hkv: 32, Sq: 1, T: 300, oneUnit: true },
    { Hq: 8, Hkv: 4, Sq: 1, T: 1200, oneUnit: true },
    { Hq: 8, Hkv: 8, Sq: 100, T: 700, oneUnit: false },
  ];
  for (const c of shapes) {
    it(`returns the sums of q, k and v with the output, Hq${c.Hq} Hkv${c.Hkv} Sq${c.Sq} T${c.T}, on one thread and on the pool`, async () => {
      for (const threads of [1, 2]) {
        const { engine, backend } = createTsEngine({ threads });
        try {
          const q = tensor([1, c.Hq, c.Sq, 128], 1);
          const k = tensor([1, c.Hkv, c.T, 128], 2, 3);
          const v = tensor([1, c.Hkv, c.T, 128], 3, 0.5);
          expect(k.data.length).toBeGreaterThan(2 * SQUARES_CHUNK);
          const p = prepareAttention(q, k, v, {});
          expect(oneUnitPerKvHead(p)).toBe(c.oneUnit);
          expect(chunkCount(p, { at: [0, 0, 0], length: [q.data.length, k.data.length, v.data.length] }) > 0).toBe(
            !c.oneUnit,
          );
          const r = await engine!.attend(p, { array: p.q }, { array: p.k }, { array: p.v }, false, true);
          for (const [name, x] of [
            ['q', q.data],
            ['k', k.data],
            ['v', v.data],
          ] as const) {
            const exact = exactSquares(x);
            expect(Math.abs(r.squares![name] - exact) / exact, name).toBeLessThan(1e-5);
          }
          const expected = referenceAttention(p).output;
          const out = (r as { output: Float32Array }).output;
          let worst = 0;
          for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(out[i]! - expected[i]!));
          expect(worst).toBeLessThan(2e-5);
        } finally {
          await backend.dispose();
        }
      }
    });
  }

  it('still refuses a non-finite input, naming it, with the kernel summing', async () => {
    const { backend } = createTsEngine({ threads: 2 });
    try {
      const q = tensor([1, 8, 64, 64], 1);
      const k = tensor([1, 8, 64, 64], 2);
      const v = tensor([1, 8, 64, 64], 3);
      v.data[777] = NaN;
      await expect(backend.attention(q, k, v)).rejects.toMatchObject({ code: 'ERR_NON_FINITE', argument: 'v' });
      // The backend stays usable.
      v.data[777] = 0.5;
      const { output } = await backend.attention(q, k, v);
      expect(output.data.every(Number.isFinite)).toBe(true);
    } finally {
      await backend.dispose();
    }
  });
});

describe('small calls shared by the calling thread and a worker', () => {
  it('run back to back, each on its own counters, and every output matches the reference', async () => {
    const { engine, backend } = createTsEngine({ threads: 2 });
    try {
      // Two shapes between the pool's lower bound and the sharing bound, alternating, so that a worker
      // waking late for one call would compute the wrong problem if jobs shared their counters.
      const shapes = [
        { H: 8, S: 48, D: 64, causal: false },
        { H: 8, S: 64, D: 40, causal: true },
      ];
      const calls = shapes.map((s, i) => {
        const q = tensor([1, s.H, s.S, s.D], 10 + i);
        const k = tensor([1, s.H, s.S, s.D], 20 + i);
        const v = tensor([1, s.H, s.S, s.D], 30 + i);
        const options = s.causal ? { causal: true } : {};
        const p = prepareAttention(q, k, v, options);
        expect(callWork(p)).toBeGreaterThanOrEqual(POOL_MIN_WORK);
        expect(callWork(p)).toBeLessThan(HELP_MAX_WORK);
        return { q, k, v, options, expected: referenceAttention(p).output };
      });
      const before = engine!.threadedCalls;
      const runs = 200;
      const results = await Promise.all(
        Array.from({ length: runs }, (_, i) => {
          const c = calls[i % 2]!;
          return backend.attention(c.q, c.k, c.v, c.options).then((r) => ({ c, out: r.output.data }));
        }),
      );
      for (const { c, out } of results) {
        let worst = 0;
        for (let i = 0; i < c.expected.length; i++) worst = Math.max(worst, Math.abs(out[i]! - c.expected[i]!));
        expect(worst).toBeLessThan(2e-5);
      }
      expect(engine!.threadedCalls - before).toBe(runs);
    } finally {
      await backend.dispose();
    }
  });

  it('are answered whether the worker is still watching for the next job or has gone back to waiting', async () => {
    const { engine, backend } = createTsEngine({ threads: 2 });
    try {
      const q = tensor([1, 8, 64, 40], 41),
        k = tensor([1, 8, 64, 40], 42),
        v = tensor([1, 8, 64, 40], 43);
      const p = prepareAttention(q, k, v, { causal: true });
      expect(callWork(p)).toBeGreaterThanOrEqual(POOL_MIN_WORK);
      expect(callWork(p)).toBeLessThan(HELP_MAX_WORK);
      const expected = referenceAttention(p).output;
      const before = engine!.threadedCalls;
      // Pauses well inside the worker's watch, about as long, and well beyond it.
      const pauses = [0, WATCH_MS / 4, WATCH_MS, 4 * WATCH_MS, 20 * WATCH_MS];
      for (let i = 0; i < 40; i++) {
        const pause = pauses[i % pauses.length]!;
        const until = performance.now() + pause;
        while (performance.now() < until); // this thread busy, not yielding, as a caller computing between calls
        const out = (await backend.attention(q, k, v, { causal: true })).output.data;
        let worst = 0;
        for (let j = 0; j < expected.length; j++) worst = Math.max(worst, Math.abs(out[j]! - expected[j]!));
        expect(worst).toBeLessThan(2e-5);
      }
      expect(engine!.threadedCalls - before).toBe(40);
    } finally {
      await backend.dispose();
    }
  });
});
