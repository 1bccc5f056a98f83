import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ALL_FEATURES, capabilities, type Backend, type BackendPlugin } from '@attnkit/core';
import { shapeClass, type CalibrationCache, type CalibrationRecord } from './calibrate.js';
import { fileCache } from './calibration-file.js';
import { selectFrom, type PlatformPlugin } from './select.js';

// A fake clock: each fake backend's call advances it by that backend's cost, so the timings are exact.
let clock = 0;
afterEach(() => {
  vi.restoreAllMocks();
});
function useFakeClock(): void {
  clock = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => clock);
}

interface Fake {
  plugin: BackendPlugin;
  calls: number[];
  disposed: () => boolean;
}

/** A backend whose call costs `ms(keyLength)` on the fake clock. */
function fake(name: string, ms: (keyLength: number) => number, available = true): Fake {
  const calls: number[] = [];
  let disposed = false;
  const plugin: BackendPlugin = {
    name,
    capabilities: capabilities(ALL_FEATURES),
    async probe() {
      return available ? { available: true, reason: `${name} here` } : { available: false, reason: `${name} missing` };
    },
    async create() {
      const backend = {
        name,
        capabilities: capabilities(ALL_FEATURES),
        info: {},
        async attention(q: { shape: readonly number[] }, k: { shape: readonly number[] }) {
          calls.push(k.shape[2]!);
          clock += ms(k.shape[2]!);
          return { output: { shape: q.shape, data: new Float32Array(1) } };
        },
        async dispose() {
          disposed = true;
        },
      };
      return backend as unknown as Backend;
    },
  };
  return { plugin, calls, disposed: () => disposed };
}

function memoryCache(): CalibrationCache & { map: Map<string, CalibrationRecord> } {
  const map = new Map<string, CalibrationRecord>();
  return { map, get: async (k) => map.get(k), set: async (k, r) => void map.set(k, r) };
}

const platform = (cache?: CalibrationCache) => () => ({ device: 'test-device', ...(cache ? { cache } : {}) });
const ranked = (...fakes: Fake[]): PlatformPlugin[] =>
  fakes.map((f, i) => ({ plugin: f.plugin, priority: 100 - i, why: 'test', devices: ['cpu'] }));

describe('select({ calibrate })', () => {
  it('picks the fastest backend on the shape, not the highest-ranked, and reports the timings', async () => {
    useFakeClock();
    const slow = fake('slow', () => 20);
    const fast = fake('fast', () => 5);
    const missing = fake('gone', () => 1, false);
    const sel = await selectFrom(
      ranked(slow, missing, fast),
      { calibrate: { shape: { keyLength: 256, heads: 4, headDim: 32 }, cache: false } },
      platform(),
    );
    expect(sel.backend.name).toBe('fast');
    const calibration = (sel as { calibration?: { timings: Record<string, number>; cached: boolean } }).calibration!;
    expect(calibration.timings).toEqual({ slow: 20, fast: 5 });
    expect(calibration.cached).toBe(false);
    const byName = Object.fromEntries(sel.report.map((e) => [e.name, e]));
    expect(byName.fast).toMatchObject({ status: 'chosen' });
    expect(byName.fast!.reason).toMatch(/fast 5\.00 ms, slow 20\.00 ms/);
    expect(byName.slow).toMatchObject({ status: 'available' });
    expect(byName.gone).toMatchObject({ status: 'unavailable', reason: 'gone missing' });
    expect(slow.disposed()).toBe(true);
    expect(fast.disposed()).toBe(false);
    // Every call was on the caller's key length.
    expect(new Set([...slow.calls, ...fast.calls])).toEqual(new Set([256]));
  });

  it('stays within 200 ms: what the budget leaves untimed is reported so', async () => {
    useFakeClock();
    const a = fake('a', () => 120);
    const b = fake('b', () => 120);
    const c = fake('c', () => 1);
    const sel = await selectFrom(
      ranked(a, b, c),
      { calibrate: { shape: { keyLength: 64 }, budgetMs: 1000, cache: false } },
      platform(),
    );
    // The budget is capped at 200 ms: a (one call, 120 ms) and b (one call, to 240 ms) are timed, c is not.
    expect(a.calls.length).toBe(1);
    expect(b.calls.length).toBe(1);
    expect(c.calls.length).toBe(0);
    expect(sel.report.find((e) => e.name === 'c')).toMatchObject({ status: 'not-tried' });
    expect(sel.report.find((e) => e.name === 'c')!.reason).toMatch(/200 ms calibration budget/);
  });

  it('falls back to the fixed priorities, and caches nothing, when the budget is spent before any timing', async () => {
    useFakeClock();
    const cache = memoryCache();
    const a = fake('a', () => 50);
    const b = fake('b', () => 1);
    const sel = await selectFrom(
      ranked(a, b),
      { calibrate: { shape: { keyLength: 64 }, budgetMs: 0, cache } },
      platform(),
    );
    expect(sel.backend.name).toBe('a');
    expect(a.calls.length + b.calls.length).toBe(0);
    const chosen = sel.report.find((e) => e.name === 'a')!;
    expect(chosen.status).toBe('chosen');
    expect(chosen.reason).toMatch(
      /^chosen by priority: the 0 ms calibration budget was spent before any backend was timed/,
    );
    expect((sel as { calibration?: { timings: object } }).calibration!.timings).toEqual({});
    expect(cache.map.size).toBe(0);
    expect(b.disposed()).toBe(false);
  });

  it('times on inputs with no two rows of a head equal, filled without spending the budget', async () => {
    let seen: { q: Float32Array; k: Float32Array; v: Float32Array } | undefined;
    const spy = fake('spy', () => 0);
    const create = spy.plugin.create.bind(spy.plugin);
    spy.plugin.create = async (...args) => {
      const backend = await create(...args);
      const attention = backend.attention.bind(backend);
      (backend as { attention: unknown }).attention = async (
        q: { data: Float32Array; shape: number[] },
        k: { data: Float32Array; shape: number[] },
        v: { data: Float32Array; shape: number[] },
        o: unknown,
      ) => {
        seen = { q: q.data, k: k.data, v: v.data };
        return attention(q as never, k as never, v as never, o as never);
      };
      return backend;
    };
    const D = 64;
    const S = 4096;
    await selectFrom(
      ranked(spy),
      { calibrate: { shape: { keyLength: S, qLength: 1, heads: 4, headDim: D }, cache: false } },
      platform(),
    );
    expect(seen!.k.length).toBe(4 * S * D);
    for (const x of [seen!.q, seen!.k, seen!.v]) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const y of x) {
        lo = Math.min(lo, y);
        hi = Math.max(hi, y);
      }
      expect(lo).toBeGreaterThanOrEqual(-1);
      expect(hi).toBeLessThanOrEqual(1);
      expect(hi - lo).toBeGreaterThan(1.9);
    }
    // No two of the 4,096 key rows of a head are equal (compared by their first four values).
    for (let h = 0; h < 4; h++) {
      const rows = new Set<string>();
      for (let t = 0; t < S; t++) rows.add(Array.from(seen!.k.subarray((h * S + t) * D, (h * S + t) * D + 4)).join());
      expect(rows.size).toBe(S);
    }
    expect(seen!.k.subarray(0, 16)).not.toEqual(seen!.v.subarray(0, 16));
  });

  it('times a shorter call of the same shape class when the caller’s is too long for the budget', async () => {
    useFakeClock();
    const a = fake('a', (S) => S / 1000);
    const sel = await selectFrom(
      ranked(a),
      { calibrate: { shape: { keyLength: 16384, heads: 8, headDim: 64 }, cache: false } },
      platform(),
    );
    const timed = (sel as { calibration?: { timed: { keyLength: number } } }).calibration!.timed;
    expect(timed.keyLength).toBeLessThan(16384);
    expect(8 * timed.keyLength * timed.keyLength * 2 * 64).toBeLessThanOrEqual(1.5e8);
    expect(a.calls.every((S) => S === timed.keyLength)).toBe(true);
  });

  it('caches the choice per device and shape class, and measures again for another class', async () => {
    useFakeClock();
    const cache = memoryCache();
    const slow = fake('slow', () => 9);
    const fast = fake('fast', () => 3);
    const options = { calibrate: { shape: { keyLength: 500 }, cache } };
    const first = await selectFrom(ranked(slow, fast), options, platform());
    expect(first.backend.name).toBe('fast');
    expect(cache.map.size).toBe(1);
    const [key] = cache.map.keys();
    expect(key).toContain('test-device');
    expect(key).toContain(shapeClass({ keyLength: 500 }));
    const calls = slow.calls.length + fast.calls.length;
    // Same class (512 rounds like 500): from the cache, no call timed.
    const again = await selectFrom(ranked(slow, fast), { calibrate: { shape: { keyLength: 512 }, cache } }, platform());
    expect(again.backend.name).toBe('fast');
    expect(slow.calls.length + fast.calls.length).toBe(calls);
    expect((again as { calibration?: { cached: boolean } }).calibration!.cached).toBe(true);
    expect(again.report.find((e) => e.name === 'fast')!.reason).toMatch(
      /fastest when calibrated .*fast 3\.00 ms, slow 9\.00 ms/,
    );
    // Another class: measured again.
    await selectFrom(ranked(slow, fast), { calibrate: { shape: { keyLength: 4096 }, cache } }, platform());
    expect(cache.map.size).toBe(2);
  });

  it('is off when a backend is forced', async () => {
    const slow = fake('slow', () => 9);
    const fast = fake('fast', () => 3);
    const sel = await selectFrom(ranked(slow, fast), { force: 'slow', calibrate: true }, platform());
    expect(sel.backend.name).toBe('slow');
    expect(slow.calls.length + fast.calls.length).toBe(0);
  });

  it('names the shape class', () => {
    expect(shapeClass({ keyLength: 600, heads: 8, headDim: 64 })).toBe('B1-H8-KV8-D64-S512-none');
    expect(shapeClass({ keyLength: 4096, qLength: 1, heads: 32, kvHeads: 8, headDim: 128 })).toBe(
      'B1-H32-KV8-D128-S4096-decode-none',
    );
    expect(shapeClass({ keyLength: 1024, causal: true })).toBe('B1-H8-KV8-D64-S1024-causal');
    expect(() => shapeClass({ keyLength: 0 })).toThrow(/calibrate\.shape\.keyLength/);
  });
});

describe('fileCache', () => {
  it('keeps records in one JSON file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attnkit-cal-'));
    try {
      const path = join(dir, 'sub', 'calibration.json');
      const a = fileCache(path);
      expect(await a.get('k')).toBeUndefined();
      await a.set('k', { backend: 'ts', timings: { ts: 1.5 }, at: '2026-01-01T00:00:00.000Z' });
      await a.set('j', { backend: 'onnx', timings: { onnx: 2 }, at: '2026-01-01T00:00:00.000Z' });
      const b = fileCache(path);
      expect(await b.get('k')).toEqual({ backend: 'ts', timings: { ts: 1.5 }, at: '2026-01-01T00:00:00.000Z' });
      expect((await b.get('j'))?.backend).toBe('onnx');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
