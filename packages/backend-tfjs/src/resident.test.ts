/**
 * What the conformance suite cannot see of the resident road on tfjs: handles and kept outputs are tfjs
 * tensors, counted by tfjs itself; nothing leaks per call or per decode step; a chain of calls on handles
 * moves nothing between JavaScript and tfjs; a cache call reads only the rows the cache holds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { prepareAttention, seededRandom, type AttentionOptions, type ResidentTensor, type Tensor } from '@attnkit/core';
import { assertClose, FLOAT32_TOLERANCE, referenceAttention } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from './index.js';
import { CHUNK_ELEMENTS } from './attention-kernel.js';
import { residentKernel } from './resident-kernel.js';
import { tfjsStore, TransferCounter, type TfNative } from './resident-store.js';
import { startRuntime } from './tfjs-runtime.js';

const rng = seededRandom(16);
const rand = (shape: number[]): Tensor => ({
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)),
});
const live = (): number => tf.memory().numTensors;

/** Writes `rows` `[B, H, n, D]` at position `at` of every head of `storage` `[B, H, C, D]`, as a cache appends. */
function put(storage: Tensor, at: number, rows: Tensor): void {
  const [B, H, C, D] = storage.shape as [number, number, number, number];
  const n = rows.shape[2]!;
  for (let h = 0; h < B * H; h++) storage.data.set(rows.data.subarray(h * n * D, (h + 1) * n * D), (h * C + at) * D);
}

/** The first `n` rows of every head of `[B, H, C, D]`. */
function slice(t: Tensor, n: number): Tensor {
  const [B, H, C, D] = t.shape as [number, number, number, number];
  const out: Tensor = { shape: [B, H, n, D], data: new Float32Array(B * H * n * D) };
  for (let h = 0; h < B * H; h++) out.data.set(t.data.subarray(h * C * D, (h * C + n) * D), h * n * D);
  return out;
}

const CONFIGS = [
  { backend: 'wasm', strategy: 'batched' },
  { backend: 'wasm', strategy: 'per-head' },
  { backend: 'cpu', strategy: 'auto' },
] as const;

describe('resident tensors on tfjs', () => {
  for (const config of CONFIGS) {
    const name = `${config.backend} (${config.strategy})`;

    it(`${name}: a 50-step decode loop holds no more tfjs tensors at step 50 than at step 1`, async () => {
      await startRuntime({ backend: config.backend });
      const baseline = live();
      const backend = await createTfjsBackend(config);
      const [B, Hq, Hkv, D] = [2, 4, 2, 8];
      const cache = await backend.createCache({ batch: B, kvHeads: Hkv, keyDim: D, capacity: 64 });
      const options: AttentionOptions = { causal: true, window: { left: 6, right: 0 } };
      // The reference sees the same storage, the held rows as key lengths (the cache's alignment).
      const [keys, values] = [rand([B, Hkv, 64, D]), rand([B, Hkv, 64, D])];
      await backend.attention(rand([B, Hq, 3, D]), slice(keys, 3), slice(values, 3), { ...options, cache });
      const counts: number[] = [];
      for (let step = 0; step < 50; step++) {
        const [q, k, v] = [rand([B, Hq, 1, D]), rand([B, Hkv, 1, D]), rand([B, Hkv, 1, D])];
        put(keys, 3 + step, k);
        put(values, 3 + step, v);
        const lengths = new Int32Array(B).fill(4 + step);
        const want = referenceAttention(prepareAttention(q, keys, values, { ...options, keyLengths: lengths }));
        // Every other step through handles, the output kept in tfjs and read back.
        const moved = backend.residentStats().transfers;
        let got: Float32Array;
        if (step % 2 === 0) {
          got = (await backend.attention(q, k, v, { ...options, cache })).output.data;
        } else {
          const [qh, kh, vh] = [await backend.upload(q), await backend.upload(k), await backend.upload(v)];
          const { output } = await backend.attention(qh, kh, vh, { ...options, cache, resident: true });
          got = (await output.read()).data;
          for (const h of [qh, kh, vh, output]) h.dispose();
        }
        assertClose(got, want.output, FLOAT32_TOLERANCE, `step ${step}`);
        // Copied into tfjs: the query, and the cache's held keys and values; out: a kept output's read.
        const now = backend.residentStats().transfers;
        const delta = { toBackend: now.toBackend - moved.toBackend, toHost: now.toHost - moved.toHost };
        expect(delta).toEqual(
          config.backend === 'cpu' ? { toBackend: 0, toHost: 0 } : { toBackend: 3, toHost: step % 2 },
        );
        counts.push(live());
      }
      expect(counts).toEqual(Array(50).fill(counts[0]));
      // The cache is JavaScript memory: it holds no tfjs tensor.
      expect(counts[0]).toBe(baseline);
      cache.dispose();
      await backend.dispose();
      expect(live()).toBe(baseline);
    });

    it(`${name}: a chain of calls keeps each output as one tfjs tensor and moves nothing in between`, async () => {
      await startRuntime({ backend: config.backend });
      const baseline = live();
      const backend = await createTfjsBackend(config);
      const [x, k, v] = [rand([1, 2, 6, 8]), rand([1, 2, 6, 8]), rand([1, 2, 6, 8])];
      const [kh, vh] = [await backend.upload(k), await backend.upload(v)];
      let cur: ResidentTensor = await backend.upload(x);
      // Each handle becomes a tensor on first use, and stays one.
      (await backend.attention(cur, kh, vh, { resident: true })).output.dispose();
      expect(live()).toBe(baseline + 3);
      const moved = backend.residentStats().transfers;
      let want = x;
      for (let i = 0; i < 5; i++) {
        const next = (await backend.attention(cur, kh, vh, { causal: true, resident: true })).output;
        cur.dispose();
        cur = next;
        expect(live()).toBe(baseline + 3);
        want = {
          shape: x.shape,
          data: Float32Array.from(referenceAttention(prepareAttention(want, k, v, { causal: true })).output),
        };
      }
      expect(backend.residentStats().transfers).toEqual(moved);
      if (config.backend === 'wasm') expect(moved).toEqual({ toBackend: 3, toHost: 0 });
      else expect(moved).toEqual({ toBackend: 0, toHost: 0 });
      assertClose((await cur.read()).data, want.data, { abs: 3e-5, rel: 3e-5 }, 'five chained calls');
      // Handles still alive when the backend goes are disposed with it.
      await backend.dispose();
      expect(kh.disposed && vh.disposed && cur.disposed).toBe(true);
      expect(live()).toBe(baseline);
    });
  }

  // A cache's storage [B, Hkv, C, D] holding V rows per head: rows ≥ V hold NaN, which any read would spread.
  for (const strategy of ['batched', 'per-head'] as const)
    for (const storage of ['a cache (JavaScript array)', 'a handle (tfjs tensor)'] as const) {
      it(`${strategy}: a call with valid keys reads only those rows of ${storage}`, async () => {
        await startRuntime({ backend: 'wasm' });
        const transfers = new TransferCounter(true);
        const store = tfjsStore('wasm', transfers);
        const [B, Hq, Hkv, Sq, C, V, D] = [2, 4, 2, 2, 10, 5, 8];
        const [q, k, v] = [rand([B, Hq, Sq, D]), rand([B, Hkv, C, D]), rand([B, Hkv, C, D])];
        const problem = prepareAttention(q, k, v, { causal: true, keyLengths: new Int32Array(B).fill(V) });
        const natives = [k, v].map((t) => {
          const data = t.data.slice();
          for (let h = 0; h < B * Hkv; h++) data.fill(Number.NaN, (h * C + V) * D, (h + 1) * C * D);
          const n = store.allocate(data.length);
          if (storage.startsWith('a cache')) {
            // Written in parts, as a cache is appended to.
            store.write(n, 0, data.subarray(0, D));
            store.write(n, D, data.subarray(D));
          } else store.write(n, 0, data);
          return n;
        }) as [TfNative, TfNative];
        const before = live();
        const out = await residentKernel(
          'wasm',
          { ...problem, q: { array: q.data }, k: { native: natives[0] }, v: { native: natives[1] }, keep: false },
          { strategy, chunkElements: CHUNK_ELEMENTS },
          transfers,
        );
        assertClose(
          (out as { output: Float32Array }).output,
          referenceAttention(problem).output,
          FLOAT32_TOLERANCE,
          storage,
        );
        // A cache stays an array; a handle became one tensor.
        expect(live() - before).toBe(storage.startsWith('a cache') ? 0 : 2);
        natives.forEach((n) => store.free(n));
        expect(live()).toBe(before);
      });
    }
});
