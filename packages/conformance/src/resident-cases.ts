/**
 * Resident tensors and key/value caches, certified from outside:
 * - every float32 attention case again through handles (inputs uploaded, result kept in the backend and
 *   read back), with a leak check: the backend holds no more tensors after the case than before;
 * - decode: 256 steps through a cache, each step compared with the float64 reference over the whole
 *   history (grouped heads, a sliding window that drops entries, handles in and out);
 * - what users get wrong: another backend's handle, a disposed one, a full cache, shapes that do not fit.
 */
import {
  AttnkitError,
  defineBackend,
  initWeights,
  resolveSpec,
  prepareAttention,
  requiredFeatures,
  seededRandom,
  type AttentionOptions,
  type Backend,
  type ErrorCode,
  type Feature,
  type ResidentTensor,
  type Tensor,
} from '@attnkit/core';
import type { ConformanceCase } from './case.js';
import { assertClose, ConformanceFailure, FLOAT32_TOLERANCE } from './compare.js';
import { expectResult } from './attention-cases.js';
import { referenceAttention } from './reference-attention.js';
import { snapshot, callArrays } from './ownership.js';
import { tinyEncoderSpec } from './tiny-spec.js';
import { referenceModel } from './reference-model.js';
import { modelTolerance } from './model-cases.js';

/** Throws unless the backend holds as many resident tensors and caches as `before`. */
export function expectNoLeak(
  backend: Backend,
  before: {
    /** Resident tensors alive before (`residentStats().tensors`). */
    tensors: number;
    /** Key/value caches alive before (`residentStats().caches`). */
    caches: number;
  },
  what: string,
): void {
  const after = backend.residentStats();
  if (after.tensors !== before.tensors || after.caches !== before.caches)
    throw new ConformanceFailure(
      `${what}: the backend holds ${after.tensors} resident tensors and ${after.caches} caches, ${before.tensors} and ${before.caches} before (a leak)`,
    );
}

/**
 * The attention case `q, k, v, options` with every input uploaded first (the past too) and the result kept
 * in the backend (`resident: true`), then read back and compared with the float64 reference.
 */
export function handleCase(id: string, q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): ConformanceCase {
  const problem = prepareAttention(q, k, v, options);
  return {
    id,
    group: 'attention',
    needs: requiredFeatures(problem),
    async run(backend) {
      const before = backend.residentStats();
      const unchanged = snapshot(callArrays(q, k, v, options));
      const held: ResidentTensor[] = [];
      const up = async (t: Tensor): Promise<ResidentTensor> => {
        const h = await backend.upload(t);
        held.push(h);
        return h;
      };
      try {
        const [qh, kh, vh] = [await up(q), await up(k), await up(v)];
        const past = options.past && {
          key: await up(options.past.key as Tensor),
          value: await up(options.past.value as Tensor),
        };
        const r = await backend.attention(qh, kh, vh, {
          ...options,
          ...(past && { past: past as unknown as { key: Tensor; value: Tensor } }),
          resident: true,
        });
        held.push(r.output, ...(r.attentionMap ? [r.attentionMap] : []));
        if (r.present) held.push(r.present.key, r.present.value);
        for (const [name, t] of [
          ['output', r.output],
          ['attentionMap', r.attentionMap],
        ] as const)
          if (t && (t as { resident?: unknown }).resident !== true)
            throw new ConformanceFailure(`${name}: resident: true returned arrays, not a resident tensor`);
        unchanged();
        const read = {
          output: await r.output.read(),
          ...(r.attentionMap && { attentionMap: await r.attentionMap.read() }),
          ...(r.present && { present: { key: await r.present.key.read(), value: await r.present.value.read() } }),
        };
        expectResult(problem, read, FLOAT32_TOLERANCE);
      } finally {
        for (const h of held) h.dispose();
      }
      expectNoLeak(backend, before, id);
    },
  };
}

interface DecodeDef {
  readonly name: string;
  readonly B: number;
  readonly Hq: number;
  readonly Hkv: number;
  readonly Dk: number;
  readonly Dv: number;
  /** Tokens appended by the first call (a prompt), before the single-token steps. */
  readonly prefill: number;
  readonly steps: number;
  readonly capacity: number;
  readonly window?: number;
  readonly options: AttentionOptions;
  /** Upload q, k, v each step and keep the output resident. */
  readonly handles?: boolean;
  readonly needs: readonly Feature[];
}

const DECODES: readonly DecodeDef[] = [
  {
    name: 'gqa-causal',
    B: 1,
    Hq: 4,
    Hkv: 2,
    Dk: 16,
    Dv: 16,
    prefill: 8,
    steps: 256,
    capacity: 264,
    options: { causal: true },
    needs: ['groupedHeads', 'causal', 'keyLengths'],
  },
  {
    name: 'sliding-window',
    B: 1,
    Hq: 4,
    Hkv: 1,
    Dk: 8,
    Dv: 8,
    prefill: 5,
    steps: 256,
    capacity: 36,
    window: 20,
    options: { causal: true, window: { left: 20, right: 0 }, alibi: [0.5, 0.25, 0.125, 0.0625] },
    needs: ['groupedHeads', 'causal', 'window', 'alibi', 'keyLengths'],
  },
  {
    name: 'handles-batch2-dv',
    B: 2,
    Hq: 2,
    Hkv: 2,
    Dk: 8,
    Dv: 12,
    prefill: 3,
    steps: 256,
    capacity: 259,
    options: { causal: true, softcap: 5 },
    handles: true,
    needs: ['valueDim', 'causal', 'softcap', 'keyLengths'],
  },
];

function rand(rng: ReturnType<typeof seededRandom>, shape: number[]): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rng.uniform(-1, 1);
  return { shape, data };
}

/** `[B, H, P, D]` and `[B, H, n, D]` → `[B, H, P + n, D]`. */
function concat(a: Tensor, b: Tensor): Tensor {
  const [B, H, P, D] = a.shape as [number, number, number, number];
  const n = b.shape[2]!;
  const out = new Float32Array(B * H * (P + n) * D);
  for (let h = 0; h < B * H; h++) {
    out.set(a.data.subarray(h * P * D, (h + 1) * P * D), h * (P + n) * D);
    out.set(b.data.subarray(h * n * D, (h + 1) * n * D), (h * (P + n) + P) * D);
  }
  return { shape: [B, H, P + n, D], data: out };
}

/**
 * Decoding through a cache: a prompt, then `steps` single tokens. Every step's output is compared with the
 * float64 reference on the whole history as a past (the window, when there is one, drops nothing the
 * reference sees), and at the end the cache holds exactly the entries it should.
 */
function decodeCase(def: DecodeDef): ConformanceCase {
  return {
    id: `decode/cache-${def.steps}/${def.name}`,
    group: 'attention',
    needs: def.needs,
    async run(backend) {
      const { B, Hq, Hkv, Dk, Dv } = def;
      const rng = seededRandom(def.steps * 31 + def.capacity);
      const before = backend.residentStats();
      const cache = await backend.createCache({
        batch: B,
        kvHeads: Hkv,
        keyDim: Dk,
        valueDim: Dv,
        capacity: def.capacity,
        ...(def.window !== undefined && { window: def.window }),
      });
      const entry = B * Hkv * (Dk + Dv) * 4;
      const grown = backend.residentStats().bytes - before.bytes;
      if (grown !== def.capacity * entry)
        throw new ConformanceFailure(
          `a cache of capacity ${def.capacity} holds ${grown} bytes, expected capacity × entry = ${def.capacity * entry}`,
        );
      let keys: Tensor = { shape: [B, Hkv, 0, Dk], data: new Float32Array(0) };
      let values: Tensor = { shape: [B, Hkv, 0, Dv], data: new Float32Array(0) };
      try {
        for (let step = 0; step <= def.steps; step++) {
          const n = step === 0 ? def.prefill : 1;
          const q = rand(rng, [B, Hq, n, Dk]);
          const k = rand(rng, [B, Hkv, n, Dk]);
          const v = rand(rng, [B, Hkv, n, Dv]);
          const want = referenceAttention(
            prepareAttention(q, k, v, { ...def.options, past: { key: keys, value: values } }),
          ).output;
          let got: Float32Array;
          if (def.handles) {
            const [qh, kh, vh] = [await backend.upload(q), await backend.upload(k), await backend.upload(v)];
            try {
              const r = await backend.attention(qh, kh, vh, { ...def.options, cache, resident: true });
              got = (await r.output.read()).data;
              r.output.dispose();
            } finally {
              qh.dispose();
              kh.dispose();
              vh.dispose();
            }
          } else {
            got = (await backend.attention(q, k, v, { ...def.options, cache })).output.data;
          }
          assertClose(got, want, FLOAT32_TOLERANCE, `step ${step}`);
          keys = concat(keys, k);
          values = concat(values, v);
          if (cache.position !== keys.shape[2])
            throw new ConformanceFailure(`step ${step}: cache.position ${cache.position}, expected ${keys.shape[2]}`);
        }
        // What the cache holds: everything, or the last `window` entries (at least) of a sliding one.
        const held = await cache.read();
        const T = keys.shape[2]!;
        const L = cache.length;
        if (def.window === undefined ? L !== T : L < def.window || L > def.capacity)
          throw new ConformanceFailure(`cache.length ${L} after ${T} tokens (window ${def.window ?? 'none'})`);
        const tail = (t: Tensor): Float32Array => {
          const D = t.shape[3]!;
          const out = new Float32Array(B * Hkv * L * D);
          for (let h = 0; h < B * Hkv; h++) out.set(t.data.subarray((h * T + T - L) * D, (h * T + T) * D), h * L * D);
          return out;
        };
        assertClose(held.key.data, tail(keys), { abs: 0, rel: 0 }, 'cache.read().key');
        assertClose(held.value.data, tail(values), { abs: 0, rel: 0 }, 'cache.read().value');
      } finally {
        cache.dispose();
      }
      expectNoLeak(backend, before, 'decode');
    },
  };
}

async function expectCode(what: () => Promise<unknown>, code: ErrorCode, mentions: string): Promise<void> {
  let caught: unknown;
  try {
    await what();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof AttnkitError))
    throw new ConformanceFailure(
      `expected ${code}, got ${caught === undefined ? 'success' : caught instanceof Error ? caught.message : typeof caught}`,
    );
  if (caught.code !== code) throw new ConformanceFailure(`expected ${code}, got ${caught.code}: ${caught.message}`);
  if (!caught.message.includes(mentions))
    throw new ConformanceFailure(`the message should mention "${mentions}": ${caught.message}`);
}

const small = (seed: number, shape: number[]): Tensor => rand(seededRandom(seed), shape);

/** A check that the backend still computes correctly after a refusal. */
async function stillWorks(backend: Backend, what: string): Promise<void> {
  const q = small(1, [1, 2, 3, 4]),
    k = small(2, [1, 2, 5, 4]),
    v = small(3, [1, 2, 5, 4]);
  const r = await backend.attention(q, k, v, { causal: true });
  assertClose(
    r.output.data,
    referenceAttention(prepareAttention(q, k, v, { causal: true })).output,
    FLOAT32_TOLERANCE,
    what,
  );
}

function refusal(name: string, needs: readonly Feature[], run: (backend: Backend) => Promise<void>): ConformanceCase {
  return {
    id: `resident/${name}`,
    group: 'bad-input',
    needs,
    async run(backend) {
      const before = backend.residentStats();
      await run(backend);
      await stillWorks(backend, `${name}: a call after the refusal`);
      expectNoLeak(backend, before, name);
    },
  };
}

/** A cache call's arrays for `n` new tokens on a cache `[1, 2, ·, 4]` with 2 query heads. */
const step = (seed: number, n: number): { q: Tensor; k: Tensor; v: Tensor } => ({
  q: small(seed, [1, 2, n, 4]),
  k: small(seed + 1, [1, 2, n, 4]),
  v: small(seed + 2, [1, 2, n, 4]),
});

/** What users get wrong with handles and caches, and what must hold of them. */
export function residentCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = DECODES.map(decodeCase);
  cases.push(
    refusal('foreign-handle', [], async (backend) => {
      const other = defineBackend({
        name: 'other',
        capabilities: { features: new Set() },
        attention: () => Promise.reject(new Error('unused')),
      });
      const t = small(4, [1, 1, 2, 4]);
      const h = await other.upload(t);
      await expectCode(() => backend.attention(h, t, t), 'ERR_WRONG_BACKEND', 'backend "other"');
      const cache = await backend.createCache({ kvHeads: 1, keyDim: 4, capacity: 4 });
      try {
        await expectCode(() => other.attention(t, t, t, { cache }), 'ERR_WRONG_BACKEND', 'options.cache');
      } finally {
        cache.dispose();
        await other.dispose();
      }
      if (!h.disposed) throw new ConformanceFailure("a disposed backend's handle does not say it is disposed");
    }),
    refusal('disposed-handle', [], async (backend) => {
      const t = small(5, [1, 1, 2, 4]);
      const h = await backend.upload(t);
      h.dispose();
      h.dispose();
      if (!h.disposed) throw new ConformanceFailure('handle.disposed is false after dispose()');
      await expectCode(() => backend.attention(h, t, t), 'ERR_DISPOSED', 'resident tensor');
      await expectCode(() => h.read(), 'ERR_DISPOSED', 'resident tensor');
    }),
    refusal('upload-checks', [], async (backend) => {
      const bad = small(6, [1, 1, 2, 4]);
      bad.data[3] = Number.NaN;
      await expectCode(() => backend.upload(bad), 'ERR_NON_FINITE', 'tensor');
      await expectCode(() => backend.upload({ shape: [2, 3], data: new Float32Array(5) }), 'ERR_SHAPE', 'tensor');
      await expectCode(
        () => backend.upload({ shape: [2], data: new Uint16Array(2), dtype: 'float16' } as never),
        'ERR_DTYPE',
        'toFloat32',
      );
    }),
    refusal('upload-copies', [], async (backend) => {
      // The handle holds a copy: what the caller does to its arrays afterwards does not reach it.
      const q = small(7, [1, 2, 3, 4]),
        k = small(8, [1, 2, 5, 4]),
        v = small(9, [1, 2, 5, 4]);
      const want = referenceAttention(prepareAttention(q, k, v)).output;
      const keep = k.data.slice();
      const kh = await backend.upload(k);
      k.data.fill(100);
      const r = await backend.attention(q, kh, v);
      k.data.set(keep);
      assertClose(r.output.data, want, FLOAT32_TOLERANCE, 'attention on an uploaded copy');
      const a = await kh.read();
      a.data.fill(-3);
      assertClose((await kh.read()).data, keep, { abs: 0, rel: 0 }, 'read() returns a fresh copy each time');
      kh.dispose();
    }),
    refusal('shape-mismatch', [], async (backend) => {
      const q = await backend.upload(small(10, [1, 2, 3, 4]));
      try {
        await expectCode(
          () => backend.attention(q, small(11, [1, 2, 5, 3]), small(12, [1, 2, 5, 4])),
          'ERR_SHAPE',
          'k',
        );
      } finally {
        q.dispose();
      }
    }),
    refusal('cache-full', ['keyLengths'], async (backend) => {
      const cache = await backend.createCache({ kvHeads: 2, keyDim: 4, capacity: 4 });
      try {
        const a = step(20, 3);
        await backend.attention(a.q, a.k, a.v, { cache });
        const b = step(30, 2);
        await expectCode(() => backend.attention(b.q, b.k, b.v, { cache }), 'ERR_CACHE_FULL', 'capacity 4');
        if (cache.length !== 3 || cache.position !== 3)
          throw new ConformanceFailure(`a refused append changed the cache: length ${cache.length}`);
        // The cache still works, and the refused entries are not in it.
        const c = step(40, 1);
        const want = referenceAttention(prepareAttention(c.q, c.k, c.v, { past: { key: a.k, value: a.v } })).output;
        assertClose(
          (await backend.attention(c.q, c.k, c.v, { cache })).output.data,
          want,
          FLOAT32_TOLERANCE,
          'after a full cache',
        );
      } finally {
        cache.dispose();
      }
    }),
    refusal('cache-refusals', ['keyLengths'], async (backend) => {
      const cache = await backend.createCache({ kvHeads: 2, keyDim: 4, capacity: 8, window: 3 });
      try {
        const a = step(50, 2);
        await expectCode(
          () => backend.attention(a.q, small(51, [1, 2, 2, 5]), a.v, { cache }),
          'ERR_SHAPE',
          'does not fit the cache',
        );
        await expectCode(
          () => backend.attention(a.q, a.k, a.v, { cache, causal: true }),
          'ERR_OPTION',
          'last 3 entries',
        );
        await expectCode(
          () => backend.attention(a.q, a.k, a.v, { cache, keyLengths: [2], window: { left: 2, right: 0 } }),
          'ERR_OPTION',
          'options.keyLengths',
        );
        await expectCode(
          () => backend.attention(small(52, [1, 2, 1, 4]), a.k, a.v, { cache, window: { left: 2, right: 0 } }),
          'ERR_SHAPE',
          'one query per new key',
        );
        if (cache.length !== 0)
          throw new ConformanceFailure(`refused calls appended to the cache: length ${cache.length}`);
      } finally {
        cache.dispose();
      }
      await expectCode(
        () => backend.createCache({ kvHeads: 2, keyDim: 4, capacity: 4, window: 4 }),
        'ERR_OPTION',
        'options.window',
      );
      await expectCode(
        () => backend.createCache({ kvHeads: 0, keyDim: 4, capacity: 4 }),
        'ERR_OPTION',
        'options.kvHeads',
      );
      await expectCode(
        () => backend.createCache({ kvHeads: 64, keyDim: 1024, capacity: 1 << 20, maxBytes: 1 << 20 }),
        'ERR_TOO_LARGE',
        'options.capacity',
      );
      const closed = await backend.createCache({ kvHeads: 2, keyDim: 4, capacity: 4 });
      closed.dispose();
      const a = step(60, 1);
      await expectCode(() => backend.attention(a.q, a.k, a.v, { cache: closed }), 'ERR_DISPOSED', 'cache');
    }),
    refusal('chain', [], async (backend) => {
      // Three calls on handles, each output the next call's query: only the last result is read back.
      const rng = seededRandom(70);
      const x = rand(rng, [1, 2, 6, 8]);
      const k = rand(rng, [1, 2, 6, 8]);
      const v = rand(rng, [1, 2, 6, 8]);
      let want = x;
      for (let i = 0; i < 3; i++)
        want = {
          shape: x.shape,
          data: Float32Array.from(referenceAttention(prepareAttention(want, k, v, { causal: true })).output),
        };
      const [kh, vh] = [await backend.upload(k), await backend.upload(v)];
      let cur: ResidentTensor = await backend.upload(x);
      try {
        for (let i = 0; i < 3; i++) {
          const next: ResidentTensor = (await backend.attention(cur, kh, vh, { causal: true, resident: true })).output;
          cur.dispose();
          cur = next;
        }
        assertClose((await cur.read()).data, want.data, { abs: 3e-5, rel: 3e-5 }, 'three chained calls');
      } finally {
        cur.dispose();
        kh.dispose();
        vh.dispose();
      }
    }),
  );
  cases.push({
    id: 'resident/model-run',
    group: 'models',
    needs: ['models'],
    async run(backend) {
      // A compiled model takes a handle as its input and keeps its logits in the backend.
      const spec = resolveSpec(tinyEncoderSpec({ layers: 2 }));
      const weights = initWeights(spec, { seed: 90, randomAll: true });
      const [B, S] = [2, 5];
      const input = rand(seededRandom(91), [B, S, spec.inputSize]);
      const before = backend.residentStats();
      const model = await backend.compile(spec, weights);
      const x = await backend.upload(input);
      try {
        const out = await model.run(x, { resident: true });
        if ((out.logits as { resident?: unknown }).resident !== true)
          throw new ConformanceFailure('model.run with resident: true returned arrays');
        const logits = await out.logits.read();
        out.logits.dispose();
        const w = new Map([...weights].map(([name, t]) => [name, t.data]));
        const ref = referenceModel(spec, w, input.data, B, S, new Int32Array(B).fill(S));
        assertClose(logits.data, ref.logits, modelTolerance(spec.layers), 'logits of a resident input');
      } finally {
        x.dispose();
        await model.dispose();
      }
      expectNoLeak(backend, before, 'resident/model-run');
    },
  });
  return cases;
}
