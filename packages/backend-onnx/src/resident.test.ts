/**
 * What the conformance suite cannot see of the resident road: natives go into ONNX Runtime and come out of
 * it without copies, a cache call reads only the rows the cache holds, and a decode loop runs on one
 * session.
 */
import * as ort from 'onnxruntime-node';
import {
  prepareAttention,
  seededRandom,
  type AttentionOptions,
  type KernelInput,
  type ResidentStore,
  type Tensor,
} from '@attnkit/core';
import { assertClose, FLOAT32_TOLERANCE, referenceAttention } from '@attnkit/conformance';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOnnxBackend } from './index.js';
import { onnxKernels } from './onnx-backend.js';
import { headSplitKey } from './head-split-graph.js';
import type { OrtNative } from './resident-store.js';
import { resolveOptions } from './runtime.js';

const rng = seededRandom(16);
const rand = (shape: number[]): Tensor => ({
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)),
});

type Run = ort.InferenceSession['run'];
/** Sessions' shared methods (the class behind `InferenceSession.create`). */
const sessionMethods = (ort.InferenceSession as unknown as { prototype: { run: Run } }).prototype;

/** Records the feeds and outputs of every session run. */
function recordRuns(): { feeds: Record<string, ort.Tensor>[]; outputs: Record<string, ort.Tensor>[] } {
  const seen = { feeds: [] as Record<string, ort.Tensor>[], outputs: [] as Record<string, ort.Tensor>[] };
  const run = sessionMethods.run;
  vi.spyOn(sessionMethods, 'run').mockImplementation(async function (
    this: ort.InferenceSession,
    ...args: Parameters<Run>
  ) {
    seen.feeds.push(args[0] as Record<string, ort.Tensor>);
    const out = await (run as (...a: Parameters<Run>) => ReturnType<Run>).apply(this, args);
    seen.outputs.push(out as Record<string, ort.Tensor>);
    return out;
  } as Run);
  return seen;
}

function kernelsUnderTest() {
  const { kernels, sessions } = onnxKernels(ort, resolveOptions({ threads: 1 }));
  const store = kernels.resident as ResidentStore<OrtNative>;
  const upload = (t: Tensor): OrtNative => {
    const n = store.allocate(t.data.length);
    store.write(n, 0, t.data);
    return n;
  };
  return { kernels, sessions, store, upload };
}

afterEach(() => vi.restoreAllMocks());

describe('resident tensors on ONNX Runtime', () => {
  it('feeds natives to the session as they are and keeps the tensor ONNX Runtime returned', async () => {
    const { kernels, sessions, store, upload } = kernelsUnderTest();
    const [q, k, v] = [rand([1, 2, 3, 8]), rand([1, 2, 5, 8]), rand([1, 2, 5, 8])];
    const problem = prepareAttention(q, k, v, { causal: true });
    const natives = [q, k, v].map(upload) as [OrtNative, OrtNative, OrtNative];
    const seen = recordRuns();
    const input = (n: OrtNative): KernelInput => ({ native: n });
    const out = await kernels.residentAttention!({
      ...problem,
      q: input(natives[0]),
      k: input(natives[1]),
      v: input(natives[2]),
      keep: true,
    });
    // Inputs: tensors over the natives' own memory.
    const feeds = seen.feeds[0]!;
    natives.forEach((n, i) => expect(feeds[['Q', 'K', 'V'][i]!]!.data).toBe(n.data));
    // Output: the very tensor the run returned, and its view is that memory.
    expect('native' in out && out.native).toBe(seen.outputs[0]!.Y);
    const native = (out as { native: OrtNative }).native;
    expect(store.view!(native, 2 * 3 * 8).buffer).toBe((seen.outputs[0]!.Y!.data as Float32Array).buffer);
    assertClose(store.view!(native, 48), referenceAttention(problem).output, FLOAT32_TOLERANCE, 'output');
    [...natives, native].forEach((n) => store.free(n));
    await sessions.dispose();
  });

  it('returns a plain array when the output is not kept', async () => {
    const { kernels, sessions, upload } = kernelsUnderTest();
    const [q, k, v] = [rand([2, 2, 1, 8]), rand([2, 1, 4, 8]), rand([2, 1, 4, 8])];
    const problem = prepareAttention(q, k, v);
    const out = await kernels.residentAttention!({
      ...problem,
      q: { array: q.data },
      k: { native: upload(k) },
      v: { native: upload(v) },
      keep: false,
    });
    expect('output' in out && out.output).toBeInstanceOf(Float32Array);
    assertClose((out as { output: Float32Array }).output, referenceAttention(problem).output, FLOAT32_TOLERANCE, 'y');
    await sessions.dispose();
  });

  // A cache's storage [B, Hkv, C, D] holding V rows per head: rows ≥ V hold NaN, which any read would spread.
  const CASES: [string, { B: number; Hq: number; Hkv: number; Sq: number }, AttentionOptions][] = [
    ['causal, grouped heads', { B: 1, Hq: 4, Hkv: 2, Sq: 1 }, { causal: true }],
    ['causal prefill of three rows, two batches', { B: 2, Hq: 2, Hkv: 2, Sq: 3 }, { causal: true, softcap: 4 }],
    [
      'a window with ALiBi (a per-head bias)',
      { B: 1, Hq: 4, Hkv: 2, Sq: 2 },
      { causal: true, window: { left: 3, right: 0 }, alibi: [0.5, 0.25, 0.125, 0.0625] },
    ],
    ['not causal', { B: 1, Hq: 2, Hkv: 1, Sq: 1 }, {}],
  ];
  for (const [name, { B, Hq, Hkv, Sq }, options] of CASES) {
    it(`a cache call reads only the rows the cache holds (${name})`, async () => {
      const { kernels, sessions, store, upload } = kernelsUnderTest();
      const [C, V, D] = [12, 6, 8];
      const q = rand([B, Hq, Sq, D]);
      const k = rand([B, Hkv, C, D]);
      const v = rand([B, Hkv, C, D]);
      // As core sets a cache call up: the storage as keys, the held rows as key lengths.
      const problem = prepareAttention(q, k, v, { ...options, keyLengths: new Int32Array(B).fill(V) });
      const [kn, vn] = [upload(k), upload(v)];
      for (const n of [kn, vn])
        for (let h = 0; h < B * Hkv; h++)
          store.view!(n, B * Hkv * C * D).fill(Number.NaN, (h * C + V) * D, (h + 1) * C * D);
      const seen = recordRuns();
      const out = await kernels.residentAttention!({
        ...problem,
        q: { array: q.data },
        k: { native: kn },
        v: { native: vn },
        keep: false,
      });
      assertClose(
        (out as { output: Float32Array }).output,
        referenceAttention(problem).output,
        FLOAT32_TOLERANCE,
        name,
      );
      // Each head's feed is a stretch of the storage, V rows long.
      const feeds = seen.feeds[0]!;
      expect(feeds.K0!.dims).toEqual([1, 1, V, D]);
      expect((feeds.K0!.data as Float32Array).buffer).toBe((kn.data as Float32Array).buffer);
      await sessions.dispose();
    });
  }

  it('runs a decode loop on the same sessions, step after step', async () => {
    const created = vi.spyOn(ort.InferenceSession, 'create');
    const backend = await createOnnxBackend({ threads: 1 });
    const [Hq, Hkv, D, C] = [4, 2, 8, 100];
    const cache = await backend.createCache({ kvHeads: Hkv, keyDim: D, capacity: C });
    // The reference sees the same storage, the held rows as key lengths (the cache's alignment).
    const [keys, values] = [rand([1, Hkv, C, D]), rand([1, Hkv, C, D])];
    const [k0, v0] = [rand([1, Hkv, 4, D]), rand([1, Hkv, 4, D])];
    put(keys, 0, k0);
    put(values, 0, v0);
    await backend.attention(rand([1, Hq, 4, D]), k0, v0, { cache, causal: true }); // the prompt
    const sessions: number[] = [];
    let last: { got: Float32Array; want: Float64Array | Float32Array } | undefined;
    for (let step = 0; step < 90; step++) {
      const [q, k, v] = [rand([1, Hq, 1, D]), rand([1, Hkv, 1, D]), rand([1, Hkv, 1, D])];
      put(keys, 4 + step, k);
      put(values, 4 + step, v);
      const want = referenceAttention(prepareAttention(q, keys, values, { causal: true, keyLengths: [5 + step] }));
      const { output } = await backend.attention(q, k, v, { cache, causal: true });
      sessions.push(created.mock.calls.length);
      last = { got: output.data, want: want.output };
    }
    // The head-split session up to half the capacity (50 rows), then the single-node one: two in all.
    expect(sessions.slice(0, 46)).toEqual(Array(46).fill(1));
    expect(sessions.slice(46)).toEqual(Array(44).fill(2));
    assertClose(last!.got, last!.want, FLOAT32_TOLERANCE, 'step 90');
    expect(cache.length).toBe(94);
    // Memory of JavaScript's: nothing moves between memories.
    expect(backend.residentStats().transfers).toEqual({ toBackend: 0, toHost: 0 });
    cache.dispose();
    await backend.dispose();
  });

  it('keys head-split sessions by head count and options, not by lengths', () => {
    const base = { scale: 0.5, softcap: 0, causal: true, mask: 'none' as const, heads: 8, maskGroups: 1 };
    expect(headSplitKey(base)).toBe(headSplitKey({ ...base }));
    expect(headSplitKey(base)).not.toBe(headSplitKey({ ...base, heads: 4 }));
    expect(headSplitKey(base)).not.toBe(headSplitKey({ ...base, causal: false }));
  });
});

/** Writes `rows` `[1, H, n, D]` at position `at` of every head of `storage` `[1, H, C, D]`, as a cache appends. */
function put(storage: Tensor, at: number, rows: Tensor): void {
  const [, H, C, D] = storage.shape as [number, number, number, number];
  const n = rows.shape[2]!;
  for (let h = 0; h < H; h++) storage.data.set(rows.data.subarray(h * n * D, (h + 1) * n * D), (h * C + at) * D);
}
