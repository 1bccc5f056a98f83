/**
 * Resident tensors on the GPU, seen from outside: what crosses between JavaScript and the device
 * (`residentStats().transfers`), what is allocated per call, and a cache whose rows beyond the entries held
 * are never read. Expected values come from the float64 reference.
 */
import {
  AttnkitError,
  initWeights,
  prepareAttention,
  resolveSpec,
  seededRandom,
  type Backend,
  type ResidentTensor,
  type Tensor,
} from '@attnkit/core';
import { makeInputs, modelTolerance, referenceAttention, referenceModel, tinyEncoderSpec } from '@attnkit/conformance';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { GpuOp } from './gpu-op.js';
import type { GpuTensor } from './gpu-resident.js';
import { createWebGpuBackend, type WebGpuBackendOptions } from './node.js';
import { testDevice, type TestDevice } from './test-support.js';

const TOL = 3e-5;

function expectClose(got: Float32Array, want: Float64Array | Float32Array, what: string, tol = TOL): void {
  expect(got.length, what).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++)
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (tol + tol * Math.abs(want[i]!)));
  expect(worst, `${what}: worst error in tolerance units`).toBeLessThanOrEqual(1);
}

/** The float64 reference of one call, as a tensor of float32 (the next call's input). */
function reference(q: Tensor, k: Tensor, v: Tensor, options: Parameters<typeof prepareAttention>[3] = {}): Tensor {
  return {
    shape: [...q.shape],
    data: Float32Array.from(referenceAttention(prepareAttention(q, k, v, options)).output),
  };
}

/** The tensors `[B, H, n_i, D]` of `parts` laid end to end along the sequence, `[B, H, Σ n_i, D]` (B, H, D of `like`). */
function alongSequence(parts: readonly Tensor[], like: Tensor): Tensor {
  const [B, H, , D] = like.shape as [number, number, number, number];
  const total = parts.reduce((n, t) => n + t.shape[2]!, 0);
  const out = new Float32Array(B * H * total * D);
  let at = 0;
  for (const t of parts) {
    const n = t.shape[2]!;
    for (let h = 0; h < B * H; h++) out.set(t.data.subarray(h * n * D, (h + 1) * n * D), (h * total + at) * D);
    at += n;
  }
  return { shape: [B, H, total, D], data: out };
}

/** The reference output of call `i` of a cache's calls: its past is every earlier call's keys and values. */
function cacheReference(calls: readonly { q: Tensor; k: Tensor; v: Tensor }[], i: number): Float64Array {
  const { q, k, v } = calls[i]!;
  const earlier = calls.slice(0, i);
  const past = {
    key: alongSequence(
      earlier.map((x) => x.k),
      k,
    ),
    value: alongSequence(
      earlier.map((x) => x.v),
      v,
    ),
  };
  return referenceAttention(prepareAttention(q, k, v, { causal: true, past })).output;
}

const transfers = (b: Backend): { toBackend: number; toHost: number } => b.residentStats().transfers;

/** Buffers made on the device other than resident tensors (pool buffers: scratch, uniforms, staging). */
const poolBuffers = (t: TestDevice): number =>
  [...t.buffers.keys()].filter((b) => b.label !== 'attnkit resident').length;

async function onDevice(options: WebGpuBackendOptions = {}): Promise<{ t: TestDevice; backend: Backend }> {
  const t = await testDevice();
  const backend = await createWebGpuBackend({ ...options, device: t.device });
  afterAll(async () => {
    await backend.dispose();
    t.device.destroy();
  });
  return { t, backend };
}

describe('resident tensors on the GPU', async () => {
  const { t, backend } = await onDevice();

  it('a chain of calls on handles copies nothing between CPU and GPU until the final read()', async () => {
    // Self-attention four times over: each output is the next call's q, k and v.
    const x = makeInputs({ B: 1, Hq: 2, Hkv: 2, Sq: 6, Sk: 6, Dk: 8, Dv: 8 }, 41).q;
    let want = x;
    for (let l = 0; l < 4; l++) want = reference(want, want, want, { causal: true });
    const start = transfers(backend);
    let cur: ResidentTensor = await backend.upload(x);
    expect(transfers(backend)).toEqual({ toBackend: start.toBackend + 1, toHost: start.toHost });
    const uploaded = transfers(backend);
    for (let l = 0; l < 4; l++) {
      const next = (await backend.attention(cur, cur, cur, { causal: true, resident: true })).output;
      cur.dispose();
      cur = next;
    }
    expect(transfers(backend)).toEqual(uploaded);
    const out = await cur.read();
    cur.dispose();
    expect(transfers(backend)).toEqual({ toBackend: uploaded.toBackend, toHost: uploaded.toHost + 1 });
    expectClose(out.data, want.data, 'four chained calls');
    expect(backend.residentStats().tensors).toBe(0);
  });

  it('the same chain through arrays uploads q, k and v and reads the output back on every call', async () => {
    const x = makeInputs({ B: 1, Hq: 2, Hkv: 2, Sq: 6, Sk: 6, Dk: 8, Dv: 8 }, 41).q;
    const start = transfers(backend);
    let cur: Tensor = x;
    for (let l = 0; l < 4; l++) cur = (await backend.attention(cur, cur, cur, { causal: true })).output;
    expect(transfers(backend)).toEqual({ toBackend: start.toBackend + 12, toHost: start.toHost + 4 });
  });

  it('a decode loop on a cache with q, k, v as handles copies nothing and allocates no pool buffer per step', async () => {
    const [B, Hq, Hkv, D, prefill, steps] = [1, 4, 2, 8, 3, 12];
    const cache = await backend.createCache({ batch: B, kvHeads: Hkv, keyDim: D, capacity: prefill + steps });
    const tokens = Array.from({ length: steps + 1 }, (_, i) =>
      makeInputs({ B, Hq, Hkv, Sq: i === 0 ? prefill : 1, Sk: i === 0 ? prefill : 1, Dk: D, Dv: D }, 50 + i),
    );
    const handles = await Promise.all(
      tokens.map(async ({ q, k, v }) => ({
        q: await backend.upload(q),
        k: await backend.upload(k),
        v: await backend.upload(v),
      })),
    );
    const before = transfers(backend);
    const outputs: ResidentTensor[] = [];
    let pool = 0;
    for (const [i, h] of handles.entries()) {
      outputs.push((await backend.attention(h.q, h.k, h.v, { cache, causal: true, resident: true })).output);
      // From the second step on, every temporary buffer comes from the pool.
      if (i === 1) pool = poolBuffers(t);
    }
    expect(poolBuffers(t)).toBe(pool);
    expect(transfers(backend)).toEqual(before);
    expect(cache.length).toBe(prefill + steps);
    for (const i of tokens.keys()) expectClose((await outputs[i]!.read()).data, cacheReference(tokens, i), `step ${i}`);
    expect(transfers(backend).toHost).toBe(before.toHost + outputs.length);
    for (const o of outputs) o.dispose();
    for (const h of handles) for (const x of [h.q, h.k, h.v]) x.dispose();
    cache.dispose();
    expect(backend.residentStats()).toMatchObject({ tensors: 0, caches: 0, bytes: 0 });
  });

  it('counts the read-back of a call whose inputs are handles and whose output is not kept', async () => {
    const { q, k, v } = makeInputs({ B: 1, Hq: 2, Hkv: 1, Sq: 3, Sk: 5, Dk: 8, Dv: 4 }, 60);
    const [kh, vh] = [await backend.upload(k), await backend.upload(v)];
    const before = transfers(backend);
    const r = await backend.attention(q, kh, vh);
    // q uploaded, the output read back; k and v bound where they lie.
    expect(transfers(backend)).toEqual({ toBackend: before.toBackend + 1, toHost: before.toHost + 1 });
    expectClose(r.output.data, referenceAttention(prepareAttention(q, k, v)).output, 'mixed call');
    kh.dispose();
    vh.dispose();
  });

  it('a model run binds a resident input where it lies: nothing read back or uploaded for it', async () => {
    const spec = tinyEncoderSpec({ layers: 2, positional: { kind: 'rope' } });
    const weights = initWeights(spec, { seed: 3, randomAll: true });
    const model = await backend.compile(spec, weights);
    const rng = seededRandom(8);
    const input = { shape: [2, 5, 3], data: Float32Array.from({ length: 30 }, () => rng.uniform(-1, 1)) };
    const want = referenceModel(
      resolveSpec(spec),
      new Map([...weights].map(([name, w]) => [name, w.data])),
      input.data,
      2,
      5,
      [5, 5],
    ).logits;
    const held = await backend.upload(input);
    const t0 = transfers(backend);
    const fromArrays = await model.run(input);
    const t1 = transfers(backend);
    const fromHandle = await model.run(held);
    const t2 = transfers(backend);
    const arraysRun = { up: t1.toBackend - t0.toBackend, down: t1.toHost - t0.toHost };
    const handleRun = { up: t2.toBackend - t1.toBackend, down: t2.toHost - t1.toHost };
    // From arrays: the input and the RoPE table up, the logits down. From the handle: the same less the input.
    expect(arraysRun).toEqual({ up: 2, down: 1 });
    expect(handleRun).toEqual({ up: 1, down: 1 });
    const tol = modelTolerance(spec.layers ?? 1).abs;
    expectClose(fromArrays.logits.data, want, 'logits from arrays', tol);
    expectClose(fromHandle.logits.data, want, 'logits from a handle', tol);
    held.dispose();
    await model.dispose();
  });

  it('raised no uncaptured WebGPU error', () => {
    expect(t.uncaptured).toEqual([]);
  });
});

for (const kernel of ['fused', 'three-pass'] as const) {
  describe(`a cache on the ${kernel} kernel`, async () => {
    const { t, backend } = await onDevice({ kernel });

    it('never reads the rows beyond the entries it holds (NaN there changes nothing)', async () => {
      const [Hq, Hkv, D, C] = [2, 1, 8, 40];
      const cache = await backend.createCache({ kvHeads: Hkv, keyDim: D, capacity: C });
      // Poison the whole storage: the appends overwrite the rows they use, the rest stays NaN.
      const storage = cache as unknown as { keys: GpuTensor; values: GpuTensor };
      const nan = new Float32Array(Hkv * C * D).fill(Number.NaN);
      for (const s of [storage.keys, storage.values]) t.device.queue.writeBuffer(s.buffer, 0, nan);
      const first = makeInputs({ B: 1, Hq, Hkv, Sq: 5, Sk: 5, Dk: D, Dv: D }, 70);
      const second = makeInputs({ B: 1, Hq, Hkv, Sq: 1, Sk: 1, Dk: D, Dv: D }, 71);
      const a = await backend.attention(first.q, first.k, first.v, { cache });
      expectClose(a.output.data, referenceAttention(prepareAttention(first.q, first.k, first.v)).output, 'prefill');
      const b = await backend.attention(second.q, second.k, second.v, { cache, causal: true });
      const past = { key: first.k, value: first.v };
      expectClose(
        b.output.data,
        referenceAttention(prepareAttention(second.q, second.k, second.v, { causal: true, past })).output,
        'step',
      );
      cache.dispose();
    });

    it('raised no uncaptured WebGPU error', () => {
      expect(t.uncaptured).toEqual([]);
    });
  });
}

describe('resident tensors larger than a storage binding', async () => {
  // 4 KiB per binding: every head fits, whole tensors do not, and runs of heads start at offsets that
  // the device cannot bind (they are copied on the device instead).
  const { t, backend } = await onDevice({ maxBindingSize: 4096 });

  it('are split into runs of heads, in place or copied on the device, with the output kept', async () => {
    const { q, k, v } = makeInputs({ B: 3, Hq: 4, Hkv: 2, Sq: 12, Sk: 21, Dk: 8, Dv: 5 }, 80);
    // q (4608 bytes) takes two runs, of 5 units and 1: the second run's k, v and output start at
    // 5 × 672, 5 × 420 and 5 × 480 bytes, off the 256-byte alignment, so they are copied on the device.
    expect(q.data.byteLength).toBeGreaterThan(4096);
    const [qh, kh, vh] = [await backend.upload(q), await backend.upload(k), await backend.upload(v)];
    const before = transfers(backend);
    const copies = vi.spyOn(GpuOp.prototype, 'copy');
    let copied = 0;
    const r = await backend.attention(qh, kh, vh, { causal: true, resident: true }).finally(() => {
      copied = copies.mock.calls.length;
      copies.mockRestore();
    });
    // The second run's k and v in, its output out.
    expect(copied).toBe(3);
    expect(transfers(backend)).toEqual(before);
    expectClose(
      (await r.output.read()).data,
      referenceAttention(prepareAttention(q, k, v, { causal: true })).output,
      'split',
    );
    for (const h of [qh, kh, vh, r.output]) h.dispose();
  });

  it('a cache larger than one binding whose heads fit works; one whose heads cannot fit is refused at createCache', async () => {
    const [Hkv, D, C] = [4, 8, 21];
    const cache = await backend.createCache({ kvHeads: Hkv, keyDim: D, capacity: C });
    expect(backend.residentStats().bytes).toBeGreaterThan(4096);
    const calls = [0, 1, 2].map((i) => makeInputs({ B: 1, Hq: Hkv, Hkv, Sq: 7, Sk: 7, Dk: D, Dv: D }, 90 + i));
    for (const [i, { q, k, v }] of calls.entries())
      expectClose(
        (await backend.attention(q, k, v, { cache, causal: true })).output.data,
        cacheReference(calls, i),
        `call ${i}`,
      );
    cache.dispose();
    const e = await backend.createCache({ kvHeads: 1, keyDim: 8, capacity: 200 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AttnkitError);
    expect((e as AttnkitError).code).toBe('ERR_UNSUPPORTED');
    expect((e as AttnkitError).argument).toBe('options.capacity');
    expect((e as AttnkitError).message).toMatch(/6400 bytes .* binds at once \(4096\).* capacity 128/);
    expect(backend.residentStats()).toMatchObject({ tensors: 0, caches: 0, bytes: 0 });
  });

  it('raised no uncaptured WebGPU error', () => {
    expect(t.uncaptured).toEqual([]);
  });
});
