import { describe, expect, it } from 'vitest';
import { defineBackend, type BackendKernels } from './backend.js';
import type { AttentionProblem } from './attention-problem.js';
import { capabilities } from './capabilities.js';
import { hostStore, type ResidentStore } from './resident.js';
import type { ResidentProblem } from './resident-attention.js';
import { tensor } from './tensor.js';

/** A host store that counts what it is asked to do. */
function countingStore() {
  const inner = hostStore();
  const counts = { allocations: 0, allocated: 0, moved: 0, written: 0, freed: 0 };
  const store: ResidentStore<Float32Array> = {
    ...inner,
    allocate(n) {
      counts.allocations++;
      counts.allocated += n;
      return inner.allocate(n);
    },
    write(n, at, data) {
      counts.written += data.length;
      inner.write(n, at, data);
    },
    copy(src, srcAt, dst, dstAt, length) {
      counts.moved += length;
      inner.copy(src, srcAt, dst, dstAt, length);
    },
    free(n) {
      counts.freed++;
      inner.free(n);
    },
  };
  return { store, counts };
}

const ones = (shape: number[]) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape);

describe('key/value cache', () => {
  it('allocates capacity × entry once, and a sliding window moves each token at most once on average', async () => {
    const { store, counts } = countingStore();
    const seen: { validKeys: number; offset: number; T: number }[] = [];
    const b = defineBackend({
      name: 'k',
      capabilities: capabilities(['causal', 'window', 'keyLengths']),
      resident: store as ResidentStore,
      async attention(p: AttentionProblem) {
        seen.push({ validKeys: p.validKeys![0]!, offset: p.queryOffset[0]!, T: p.keyLength });
        return { output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) };
      },
    });
    const C = 10,
      w = 4,
      D = 2;
    const cache = await b.createCache({ kvHeads: 1, keyDim: D, capacity: C, window: w });
    expect(counts.allocations).toBe(2);
    expect(counts.allocated).toBe(2 * C * D);
    expect(b.residentStats()).toMatchObject({ caches: 1, bytes: C * 2 * D * 4 });
    const steps = 60;
    for (let i = 0; i < steps; i++)
      await b.attention(ones([1, 1, 1, D]), ones([1, 1, 1, D]), ones([1, 1, 1, D]), {
        cache,
        causal: true,
        window: { left: w, right: 0 },
      });
    expect(counts.allocations).toBe(2);
    expect(cache.position).toBe(steps);
    // Every step sees its whole window: the held entries never fall below w + 1 once there are that many.
    for (const [i, s] of seen.entries()) {
      expect(s.T).toBe(C);
      expect(s.offset).toBe(s.validKeys - 1);
      expect(s.validKeys).toBeGreaterThanOrEqual(Math.min(i + 1, w + 1));
    }
    // A move of w entries (keys and values) happens once every C − w appends.
    const moves = Math.floor((steps - C) / (C - w)) + 1;
    expect(counts.moved).toBe(moves * w * D * 2);
    expect(counts.written).toBe(steps * D * 2);
    cache.dispose();
    expect(counts.freed).toBe(2);
    expect(b.residentStats()).toMatchObject({ caches: 0, bytes: 0 });
  });

  it('undoes the append of a call whose kernel fails, and runs calls on one cache in order', async () => {
    let fail = false;
    const lengths: number[] = [];
    const b = defineBackend({
      name: 'k',
      capabilities: capabilities(['keyLengths']),
      async attention(p: AttentionProblem) {
        await new Promise((r) => setTimeout(r, 5 - lengths.length));
        lengths.push(p.validKeys![0]!);
        if (fail) throw new Error('device lost');
        return { output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) };
      },
    });
    const cache = await b.createCache({ kvHeads: 1, keyDim: 2, capacity: 4 });
    const x = ones([1, 1, 1, 2]);
    await Promise.all([
      b.attention(x, x, x, { cache }),
      b.attention(x, x, x, { cache }),
      b.attention(x, x, x, { cache }),
    ]);
    expect(lengths).toEqual([1, 2, 3]);
    fail = true;
    await expect(b.attention(x, x, x, { cache })).rejects.toMatchObject({ code: 'ERR_BACKEND' });
    expect(cache.length).toBe(3);
    expect(cache.position).toBe(3);
    fail = false;
    await b.attention(x, x, x, { cache });
    expect(cache.length).toBe(4);
  });
});

describe('resident tensors', () => {
  it('hands natives to residentAttention and keeps its native output as a handle', async () => {
    const got: ResidentProblem[] = [];
    const kernels: BackendKernels = {
      name: 'k',
      capabilities: capabilities([]),
      attention: () => Promise.reject(new Error('the array road was taken')),
      async residentAttention(p) {
        got.push(p);
        // The output is v's first row for every query (a valid convex combination for one key).
        const v = p.v.native as Float32Array;
        return p.keep ? { native: v.slice(0, p.valueDim) } : { output: v.slice(0, p.valueDim) };
      },
    };
    const b = defineBackend(kernels);
    const q = tensor(Float32Array.of(1, 2), [1, 1, 1, 2]);
    const v = tensor(Float32Array.of(3, -4), [1, 1, 1, 2]);
    const vh = await b.upload(v);
    const r = await b.attention(q, q, vh, { resident: true });
    expect(got[0]!.q.array).toBe(q.data);
    expect(got[0]!.v.native).toBeInstanceOf(Float32Array);
    expect(got[0]!.v.native).not.toBe(v.data);
    expect(r.output.resident).toBe(true);
    expect((await r.output.read()).data).toEqual(Float32Array.of(3, -4));
    expect(b.residentStats().tensors).toBe(2);
    await b.dispose();
    expect(vh.disposed).toBe(true);
    expect(r.output.disposed).toBe(true);
  });

  it('applies the range rule to handles from their bounds, without reading them', async () => {
    const b = defineBackend({
      name: 'k',
      capabilities: capabilities(['keyLengths']),
      attention: async (p) => ({ output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) }),
    });
    // Scores up to 4 · 1e20 · 1e20 = 4e40, beyond 2^100 ≈ 1.3e30.
    const big = tensor(new Float32Array(4).fill(1e20), [1, 1, 1, 4]);
    const h = await b.upload(big);
    await expect(b.attention(h, h, h)).rejects.toMatchObject({ code: 'ERR_RANGE' });
    const cache = await b.createCache({ kvHeads: 1, keyDim: 4, capacity: 2 });
    await expect(b.attention(big, h, h, { cache })).rejects.toMatchObject({ code: 'ERR_RANGE' });
    expect(cache.length).toBe(0);
  });

  it('refuses junk beside a handle with typed errors, not TypeErrors', async () => {
    const b = defineBackend({
      name: 'k',
      capabilities: capabilities([]),
      attention: async () => ({ output: new Float32Array(4) }),
      residentAttention: async () => ({ output: new Float32Array(4) }),
    });
    const h = await b.upload(tensor(new Float32Array(4), [1, 1, 1, 4]));
    for (const bad of [null, 3, { shape: 'x' }, { shape: [1, 1, 1, 4], data: [1, 2, 3, 4] }])
      await expect(b.attention(h, bad as never, h)).rejects.toMatchObject({ code: 'ERR_TYPE', argument: 'k' });
    await expect(b.attention(h, h, h, { cache: {} as never })).rejects.toMatchObject({ code: 'ERR_TYPE' });
    await expect(b.attention(h, h, h, { resident: 'yes' as never })).rejects.toMatchObject({ code: 'ERR_TYPE' });
    await expect(b.upload(h as never)).rejects.toMatchObject({ code: 'ERR_TYPE' });
    await expect(b.attention(h, h, h)).resolves.toBeDefined();
  });
});
