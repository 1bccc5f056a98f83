/**
 * Resident tensors and caches in the backend's WebAssembly memory, where the conformance suite cannot look:
 * what a cache takes of the memory, that decode steps allocate nothing after the first, that calls read
 * resident keys and values where they lie (no copy), that memory freed while a call runs is not handed out
 * before it ends, and what happens when the memory is full. Results are checked against the float64
 * reference.
 */
import { AttnkitError, prepareAttention, seededRandom, type AttentionOptions, type Tensor } from '@attnkit/core';
import { referenceAttention } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { createTsEngine } from './ts-backend.js';
import type { ArenaStats } from './wasm-memory.js';

function tensor(shape: number[], seed: number): Tensor {
  const rng = seededRandom(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { shape, data };
}

function expectReference(got: Float32Array, q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): void {
  const want = referenceAttention(prepareAttention(q, k, v, options)).output;
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
  expect(worst).toBeLessThan(2e-5);
}

describe('a key/value cache in the WebAssembly memory', () => {
  it('takes capacity × entry bytes of it, once', async () => {
    const { backend, engine } = createTsEngine({ threads: 1 });
    const before = engine!.arena.stats();
    const cache = await backend.createCache({ kvHeads: 2, keyDim: 16, valueDim: 32, capacity: 64 });
    const after = engine!.arena.stats();
    expect(after.bytes - before.bytes).toBe(64 * 2 * (16 + 32) * 4);
    expect(after.allocations - before.allocations).toBe(2);
    cache.dispose();
    expect(engine!.arena.stats().bytes).toBe(before.bytes);
    await backend.dispose();
  });

  for (const threads of [1, 2]) {
    it(`decodes with no allocation after the first step (${threads} thread${threads > 1 ? 's' : ''})`, async () => {
      // H32, Hkv 8, D128 over 1500 entries and more: large enough for the threads.
      const { backend, engine } = createTsEngine({ threads });
      const [B, Hq, Hkv, D, filled, steps] = [1, 32, 8, 128, 1500, 12];
      const cache = await backend.createCache({ kvHeads: Hkv, keyDim: D, capacity: filled + steps });
      try {
        const fill = tensor([B, Hkv, filled, D], 1);
        await backend.attention(tensor([B, Hkv, filled, D], 2), fill, fill, { cache, window: { left: 0, right: 0 } });
        const threadedBefore = engine!.threadedCalls;
        let first: ArenaStats | undefined;
        let last: { q: Tensor; output: Float32Array } | undefined;
        for (let t = 0; t < steps; t++) {
          const q = tensor([B, Hq, 1, D], 10 + t);
          const kv = tensor([B, Hkv, 1, D], 100 + t);
          const { output } = await backend.attention(q, kv, kv, { cache, causal: true });
          if (t === 0) first = engine!.arena.stats();
          last = { q, output: output.data };
        }
        expect(engine!.arena.stats()).toEqual(first);
        const held = await cache.read();
        expectReference(last!.output, last!.q, held.key, held.value);
        expect(engine!.threadedCalls - threadedBefore).toBe(threads > 1 ? steps : 0);
      } finally {
        cache.dispose();
        await backend.dispose();
      }
    }, 30_000);
  }
});

describe('calls on resident tensors', () => {
  it('read keys and values where they lie: the memory in use grows by no copy of them', async () => {
    const { backend, engine } = createTsEngine({ threads: 1 });
    const q = tensor([1, 2, 4, 64], 3),
      k = tensor([1, 2, 2048, 64], 4),
      v = tensor([1, 2, 2048, 64], 5);
    const kh = await backend.upload(k),
      vh = await backend.upload(v);
    const kBytes = k.data.length * 4;
    const before = engine!.arena.stats().bytes;
    expectReference((await backend.attention(q, kh, vh)).output.data, q, k, v);
    const inPlace = engine!.arena.stats().bytes - before;
    // The same call on arrays keeps its copies of k and v for the next call.
    expectReference((await backend.attention(q, k, v)).output.data, q, k, v);
    const copied = engine!.arena.stats().bytes - before;
    expect(inPlace).toBeLessThan(kBytes / 4);
    expect(copied - inPlace).toBeGreaterThanOrEqual(2 * kBytes);
    kh.dispose();
    vh.dispose();
    await backend.dispose();
  });

  it('keep blocks freed while a call runs from being handed out until it ends', async () => {
    const { backend, engine } = createTsEngine({ threads: 2 });
    const q = tensor([1, 8, 256, 64], 6),
      k = tensor([1, 8, 1024, 64], 7),
      v = tensor([1, 8, 1024, 64], 8);
    const [kh, vh] = [await backend.upload(k), await backend.upload(v)];
    const call = backend.attention(q, kh, vh, { causal: true });
    // Freed at once, then the same sizes asked for with other data: they must not land on k and v.
    kh.dispose();
    vh.dispose();
    const others = [await backend.upload(tensor([...k.shape], 9)), await backend.upload(tensor([...v.shape], 10))];
    expectReference((await call).output.data, q, k, v, { causal: true });
    expect(engine!.threadedCalls).toBe(1); // the call ran on the threads, while the main thread freed and uploaded
    for (const h of others) h.dispose();
    await backend.dispose();
  }, 30_000);

  it('give resident results that read back as the array results', async () => {
    const { backend } = createTsEngine({ threads: 1 });
    const q = tensor([2, 4, 9, 12], 11),
      k = tensor([2, 2, 30, 12], 12),
      v = tensor([2, 2, 30, 20], 13);
    const options = { window: { left: 5, right: 2 } };
    const r = await backend.attention(q, k, v, { ...options, resident: true });
    expect(r.output.resident).toBe(true);
    expectReference((await r.output.read()).data, q, k, v, options);
    r.output.dispose();
    await backend.dispose();
  });
});

describe('an unshared WebAssembly memory (no SharedArrayBuffer)', () => {
  it('runs on the calling thread and hands core no views: handles are copied out for array-road calls', async () => {
    const { backend, engine } = createTsEngine({}, { shared: false });
    expect(engine!.arena.shared).toBe(false);
    expect(backend.info.threads).toBe(1);
    const q = tensor([1, 2, 5, 8], 16),
      k = tensor([1, 2, 7, 8], 17);
    const kh = await backend.upload(k);
    // A past takes the array road: core reads the handle back instead of viewing it.
    const options = { past: { key: k, value: k } };
    const r = await backend.attention(q, kh, kh, options);
    expectReference(r.output.data, q, k, k, options);
    kh.dispose();
    await backend.dispose();
  });
});

describe('a full WebAssembly memory', () => {
  it('refuses an upload or cache it cannot hold with ERR_TOO_LARGE, and still runs array calls', async () => {
    // 6 MiB of memory: room for the calls' small scratch, not for 8 MiB tensors.
    const { backend, engine } = createTsEngine({ threads: 1 }, { maxPages: 96 });
    const big = tensor([1, 8, 1024, 256], 14);
    const codeOf = async (what: () => Promise<unknown>): Promise<string | undefined> =>
      what().then(
        () => undefined,
        (e: unknown) => (e instanceof AttnkitError ? e.code : String(e)),
      );
    const before = engine!.arena.stats().live;
    expect(await codeOf(() => backend.upload(big))).toBe('ERR_TOO_LARGE');
    expect(await codeOf(() => backend.createCache({ kvHeads: 8, keyDim: 256, capacity: 1024 }))).toBe('ERR_TOO_LARGE');
    expect(engine!.arena.stats().live).toBe(before);
    expect(backend.residentStats()).toMatchObject({ tensors: 0, caches: 0 });
    // Arrays the memory cannot hold run on the TypeScript kernel instead.
    const q = tensor([1, 8, 16, 256], 15);
    expectReference((await backend.attention(q, big, big)).output.data, q, big, big);
    await backend.dispose();
  }, 30_000);
});
