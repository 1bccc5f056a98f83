/**
 * Seeded fuzzing of `backend.attention`: small calls, most of them malformed or at an edge (wrong ranks and
 * types, null and out-of-domain options, non-finite and huge values, zero keys, sizes beyond the limit).
 * For every call the backend must
 * - refuse with an `AttnkitError` whose stable code is the one core's own validation gives for that call
 *   (or `ERR_UNSUPPORTED` for a feature it does not declare), or
 * - return a finite output equal to the float64 reference within tolerance;
 * - leave every input byte-identical, never hand back an input's memory, and settle within a bound.
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, Sk keys, P past length, Dk/Dv head sizes.
 */
import {
  ATTENTION_OPTION_NAMES,
  AttnkitError,
  biasMask,
  boolMask,
  missingFeatures,
  pack,
  prepareAttention,
  requiredFeatures,
  seededRandom,
  type AttentionOptions,
  type Backend,
  type ErrorCode,
  type Random,
  type Tensor,
} from '@attnkit/core';
import { packF64 } from './attention-cases.js';
import { assertClose, ConformanceFailure } from './compare.js';
import { withinBound } from './lifecycle-cases.js';
import { callArrays, guarded, snapshot } from './ownership.js';
import { referenceAttention } from './reference-attention.js';

/** Every code attnkit documents; anything else is not a stable code. */
const STABLE_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'ERR_RANK',
  'ERR_SHAPE',
  'ERR_HEADS',
  'ERR_MASK',
  'ERR_OPTION',
  'ERR_RANGE',
  'ERR_NON_FINITE',
  'ERR_TYPE',
  'ERR_UNSUPPORTED',
  'ERR_SPEC',
  'ERR_WEIGHTS',
  'ERR_FORMAT',
  'ERR_NO_BACKEND',
  'ERR_DISPOSED',
  'ERR_BACKEND',
  'ERR_TOO_LARGE',
]);

/** One generated call. */
export interface FuzzCall {
  /** What was done to the call, for failure messages (e.g. `#17 mask:nan-bias`). */
  readonly label: string;
  /** The q argument: usually a tensor (rank 4 or packed rank 3), or a malformed value of any type. */
  readonly q: unknown;
  /** The k argument, as generated (possibly malformed). */
  readonly k: unknown;
  /** The v argument, as generated (possibly malformed). */
  readonly v: unknown;
  /** The options argument: attention options, some out of their domain, or not an object at all. */
  readonly options: unknown;
}

/** Options of {@link fuzzBackend}. */
export interface FuzzOptions {
  /** Number of calls (default 2000). */
  readonly calls?: number;
  /** Seed of the run (default 1): the same seed gives the same calls, so a failure can be replayed. */
  readonly seed?: number;
  /** A call that takes longer than this counts as a hang (default 10 s). */
  readonly hangMs?: number;
}

/** What a fuzz run found. */
export interface FuzzReport {
  /** Calls made (computed, refused or failed). */
  readonly calls: number;
  /** Calls that returned a result (checked against the reference). */
  readonly computed: number;
  /** Calls refused, by code. */
  readonly refused: Readonly<Record<string, number>>;
  /** Failures: each names the call and what went wrong. */
  readonly failures: readonly string[];
}

function rand(r: Random, n: number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => r.uniform(-scale, scale));
}

const pick = <T>(r: Random, xs: readonly T[]): T => xs[r.int(0, xs.length - 1)]!;

/** A valid small call with random options, in either layout. */
function validCall(r: Random): {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  options: Record<string, unknown>;
  dims: {
    B: number;
    Hq: number;
    Hkv: number;
    Sq: number;
    Sk: number;
    P: number;
    Dk: number;
    Dv: number;
    packed: boolean;
  };
} {
  const Hkv = r.int(1, 2),
    Hq = Hkv * r.int(1, 2),
    B = r.int(1, 2);
  const Sq = r.int(1, 6),
    Sk = r.next() < 0.08 ? 0 : r.int(1, 7),
    Dk = r.int(1, 5),
    Dv = r.int(1, 5);
  const P = r.next() < 0.2 ? r.int(1, 3) : 0;
  const packed = r.next() < 0.2 && P === 0;
  const T = P + Sk;
  // Values: mostly unit scale; values may also be tiny or large (the output scales with them).
  const vScale = pick(r, [1, 1, 1, 1e-20, 1e-3, 1e4, 1e12]);
  const q4 = rand(r, B * Hq * Sq * Dk, 2),
    k4 = rand(r, B * Hkv * Sk * Dk, 2),
    v4 = rand(r, B * Hkv * Sk * Dv, vScale);
  const options: Record<string, unknown> = {};
  let q: Tensor, k: Tensor, v: Tensor;
  if (packed) {
    q = { shape: [B, Sq, Hq * Dk], data: pack(q4, B, Hq, Sq, Dk) };
    k = { shape: [B, Sk, Hkv * Dk], data: pack(k4, B, Hkv, Sk, Dk) };
    v = { shape: [B, Sk, Hkv * Dv], data: pack(v4, B, Hkv, Sk, Dv) };
    options.heads = { q: Hq, kv: Hkv };
  } else {
    q = { shape: [B, Hq, Sq, Dk], data: q4 };
    k = { shape: [B, Hkv, Sk, Dk], data: k4 };
    v = { shape: [B, Hkv, Sk, Dv], data: v4 };
  }
  if (P > 0)
    options.past = {
      key: { shape: [B, Hkv, P, Dk], data: rand(r, B * Hkv * P * Dk, 2) },
      value: { shape: [B, Hkv, P, Dv], data: rand(r, B * Hkv * P * Dv, vScale) },
    };
  if (r.next() < 0.25) options.scale = r.uniform(0.05, 2);
  if (r.next() < 0.15) options.softcap = r.uniform(0.3, 4);
  if (r.next() < 0.3) options.causal = true;
  if (r.next() < 0.25) options.window = { left: r.int(0, 4), right: r.next() < 0.2 ? Infinity : r.int(0, 4) };
  if (T > 0 && r.next() < 0.2) {
    const kind = r.int(0, 2);
    if (kind === 0)
      options.mask = boolMask(
        Uint8Array.from({ length: Sq * T }, () => (r.next() < 0.7 ? 1 : 0)),
        [Sq, T],
      );
    else if (kind === 1)
      options.mask = biasMask(
        Float32Array.from({ length: Hq * T }, () => (r.next() < 0.15 ? -Infinity : r.uniform(-2, 2))),
        [Hq, 1, T],
      );
    else {
      // A view into a larger buffer: the memory around it belongs to the caller too.
      const backing = Float32Array.from({ length: Sq * T + 16 }, () => r.uniform(-2, 2));
      options.mask = biasMask(backing.subarray(8, 8 + Sq * T), [Sq, T]);
    }
  }
  if (r.next() < 0.2) {
    const lengths = Array.from({ length: B }, () => r.int(0, T));
    if (P === 0 && r.next() < 0.5) options.keyLengths = Int32Array.from(lengths);
    else options.keyPadding = lengths;
  }
  if (T > 0 && r.next() < 0.12) {
    const e: number[] = [];
    for (let i = 0; i < Sq; i++) for (let j = 0; j < T; j++) if (r.next() < 0.4) e.push(i, j);
    options.graph = { edges: Int32Array.from(e) };
  }
  if (r.next() < 0.12) options.alibi = Array.from({ length: Hq }, (_, h) => 0.5 / (h + 1));
  if (r.next() < 0.25) {
    // Mostly the current name; sometimes `weights`, the former one, which must mean the same.
    options[r.next() < 0.85 ? 'attentionMap' : 'weights'] = pick(r, [
      'scores',
      'softcapped',
      'masked',
      'probs',
    ] as const);
  }
  if (r.next() < 0.05) options.returnPresent = true;
  return { q, k, v, options, dims: { B, Hq, Hkv, Sq, Sk, P, Dk, Dv, packed } };
}

type Mutation = (
  c: { q: Tensor; k: Tensor; v: Tensor; options: Record<string, unknown> },
  r: Random,
) => { q: unknown; k: unknown; v: unknown; options: unknown };

const spoil = (t: Tensor, r: Random, value: number): Tensor => {
  if (t.data.length === 0) return t;
  const data = t.data.slice();
  data[r.int(0, data.length - 1)] = value;
  return { shape: t.shape, data };
};
const fill = (t: Tensor, value: number): Tensor => ({
  shape: t.shape,
  data: new Float32Array(t.data.length).fill(value),
});
const withOpt = (c: Parameters<Mutation>[0], key: string, value: unknown): ReturnType<Mutation> => ({
  ...c,
  options: { ...c.options, [key]: value },
});
const OPTION_KEYS = ATTENTION_OPTION_NAMES;

/** Ways to break a call, by name. */
const MUTATIONS: Record<string, Mutation> = {
  'rank-2-q': (c) => ({ ...c, q: { shape: [c.q.data.length, 1], data: c.q.data } }),
  'rank-5-k': (c) => ({ ...c, k: { shape: [1, ...c.k.shape], data: c.k.data } }),
  'dk-mismatch': (c) => ({
    ...c,
    k: {
      shape: [...c.k.shape.slice(0, -1), c.k.shape.at(-1)! + 1],
      data: new Float32Array((c.k.data.length / c.k.shape.at(-1)!) * (c.k.shape.at(-1)! + 1)),
    },
  }),
  'data-length': (c) => ({ ...c, v: { shape: c.v.shape, data: new Float32Array(c.v.data.length + 1) } }),
  'float64-data': (c) => ({ ...c, q: { shape: c.q.shape, data: Float64Array.from(c.q.data) } }),
  'plain-array-data': (c) => ({ ...c, k: { shape: c.k.shape, data: Array.from(c.k.data) } }),
  'null-tensor': (c, r) => ({ ...c, [pick(r, ['q', 'k', 'v'])]: null }),
  'shape-not-array': (c) => ({ ...c, q: { shape: 'abc', data: c.q.data } }),
  'negative-dim': (c) => ({ ...c, v: { shape: [...c.v.shape.slice(0, -1), -1], data: c.v.data } }),
  'fractional-dim': (c) => ({ ...c, q: { shape: [...c.q.shape.slice(0, -1), 1.5], data: c.q.data } }),
  'nan-q': (c, r) => ({ ...c, q: spoil(c.q, r, Number.NaN) }),
  'inf-k': (c, r) => ({ ...c, k: spoil(c.k, r, Number.POSITIVE_INFINITY) }),
  'minus-inf-v': (c, r) => ({ ...c, v: spoil(c.v, r, Number.NEGATIVE_INFINITY) }),
  'huge-q-k': (c, r) => ({
    ...c,
    q: fill(c.q, pick(r, [1e20, 3e38, -1e25])),
    k: fill(c.k, pick(r, [1e20, 3e38, 1e18])),
  }),
  'huge-v': (c) => ({ ...c, v: fill(c.v, 1e35) }),
  'option-null': (c, r) => withOpt(c, pick(r, OPTION_KEYS), null),
  'option-unknown': (c, r) => withOpt(c, pick(r, ['casual', 'mask2', 'Scale', 'window_size']), true),
  'options-not-object': (c, r) => ({ ...c, options: pick(r, [null, 'x', 3, true]) }),
  'scale-bad': (c, r) => withOpt(c, 'scale', pick(r, [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '0.5', -0])),
  'softcap-bad': (c, r) => withOpt(c, 'softcap', pick(r, [-1, Number.NaN, 'big', Number.POSITIVE_INFINITY])),
  'causal-not-boolean': (c, r) => withOpt(c, 'causal', pick(r, [1, 'yes', {}])),
  'window-bad': (c, r) =>
    withOpt(
      c,
      'window',
      pick(r, [
        { left: -1, right: 0 },
        { left: 1.5, right: 0 },
        { left: Number.NaN, right: 1 },
        { left: 1 },
        'wide',
        5,
      ]),
    ),
  'attention-map-bad': (c, r) => withOpt(c, pick(r, ['attentionMap', 'weights']), pick(r, ['all', 'prob', 3, true])),
  'return-present-bad': (c, r) => withOpt(c, 'returnPresent', pick(r, ['no', 0, 1])),
  'heads-bad': (c, r) => withOpt(c, 'heads', pick(r, [3, 'x', { q: 0 }, { q: 1.5 }, { q: -2 }, []])),
  'mask-bad-shape': (c) => withOpt(c, 'mask', boolMask(new Uint8Array(7 * 3).fill(1), [7, 3])),
  'mask-rank-5': (c) => withOpt(c, 'mask', boolMask(new Uint8Array(1).fill(1), [1, 1, 1, 1, 1])),
  'mask-wrong-dtype': (c) => withOpt(c, 'mask', { kind: 'bool', shape: [1], data: new Float32Array(1) }),
  'mask-kind-bad': (c) => withOpt(c, 'mask', { kind: 'int', shape: [1], data: new Uint8Array(1) }),
  'mask-nan-bias': (c, r) => withOpt(c, 'mask', biasMask([pick(r, [Number.NaN, Number.POSITIVE_INFINITY])], [1])),
  'mask-data-length': (c) => withOpt(c, 'mask', boolMask(new Uint8Array(3), [2, 2])),
  'key-lengths-range': (c, r) =>
    withOpt(
      c,
      pick(r, ['keyLengths', 'keyPadding']),
      Array.from({ length: c.q.shape[0]! }, () => pick(r, [-1, 1000, 0.5, Number.NaN])),
    ),
  'key-lengths-count': (c) => withOpt(c, 'keyPadding', new Int32Array(c.q.shape[0]! + 1)),
  'key-lengths-type': (c) => withOpt(c, 'keyLengths', 'all'),
  'edges-range': (c, r) => withOpt(c, 'graph', { edges: [0, pick(r, [-1, 999, 0.5])] }),
  'edges-odd': (c) => withOpt(c, 'graph', { edges: [0, 0, 0] }),
  'edges-type': (c) => withOpt(c, 'graph', { edges: 'all' }),
  'alibi-count': (c) => withOpt(c, 'alibi', [1, 2, 3, 4, 5, 6, 7]),
  'alibi-bad': (c, r) =>
    withOpt(
      c,
      'alibi',
      Array.from({ length: 8 }, () => pick(r, [Number.NaN, -1e38])),
    ),
  'past-bad-shape': (c) =>
    withOpt(c, 'past', {
      key: { shape: [1, 1, 1, 99], data: new Float32Array(99) },
      value: { shape: [1, 1, 1, 1], data: new Float32Array(1) },
    }),
  'past-not-object': (c) => withOpt(c, 'past', 'cache'),
  'key-lengths-with-past': (c) => withOpt(c, 'keyLengths', new Int32Array(c.q.shape[0]!)),
  'max-bytes-tiny': (c) => withOpt(c, 'maxBytes', 8),
  'max-bytes-bad': (c, r) => withOpt(c, 'maxBytes', pick(r, [0, -5, 'lots', Number.NaN])),
  'oversized-output': () => ({
    q: { shape: [1, 1, 1, 1], data: new Float32Array(1) },
    k: { shape: [1, 1, 0, 1], data: new Float32Array(0) },
    v: { shape: [1, 1, 0, 2 ** 30], data: new Float32Array(0) },
    options: {},
  }),
  'oversized-attention-map': () => {
    const t = { shape: [1, 1, 40_000, 1], data: new Float32Array(40_000).fill(0.25) };
    return { q: t, k: t, v: t, options: { attentionMap: 'probs' } };
  },
  'zero-query-length': (c) => ({
    ...c,
    q: { shape: [...c.q.shape.slice(0, -2), 0, c.q.shape.at(-1)!], data: new Float32Array(0) },
  }),
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

/** The `index`-th call of the run seeded `seed` (deterministic). */
export function fuzzCall(seed: number, index: number): FuzzCall {
  const r = seededRandom(seed * 1_000_003 + index);
  const base = validCall(r);
  const mutate = r.next() < 0.65;
  if (!mutate) return { label: `#${index} valid`, q: base.q, k: base.k, v: base.v, options: base.options };
  const name = pick(r, MUTATION_NAMES);
  const m = MUTATIONS[name]!(base, r);
  return { label: `#${index} ${name}`, ...m };
}

type Verdict = { kind: 'refused'; code: string } | { kind: 'valid' };

/** What core's validation says of a call (the referee): refused with a code, or valid. */
function referee(c: FuzzCall): Verdict {
  try {
    prepareAttention(c.q as Tensor, c.k as Tensor, c.v as Tensor, c.options as AttentionOptions);
    return { kind: 'valid' };
  } catch (e) {
    if (e instanceof AttnkitError) return { kind: 'refused', code: e.code };
    throw new ConformanceFailure(
      `${c.label}: core's validation threw ${(e as Error)?.name}: ${(e as Error)?.message} instead of an AttnkitError`,
    );
  }
}

/** Runs `calls` seeded fuzz calls on `backend` and reports every failure. */
export async function fuzzBackend(backend: Backend, options: FuzzOptions = {}): Promise<FuzzReport> {
  const n = options.calls ?? 2000;
  const seed = options.seed ?? 1;
  const failures: string[] = [];
  const refused: Record<string, number> = {};
  let computed = 0;
  const earlier: [string, () => void][] = [];
  // Every call's arrays are checked again every 100 calls and at the end (a kept array is found however
  // much later it is written); an array found changed is reported once.
  const recheck = (): void => {
    for (let j = earlier.length - 1; j >= 0; j--) {
      const [label, check] = earlier[j]!;
      try {
        check();
      } catch (e) {
        failures.push(`${label}: changed by a later call: ${(e as Error).message}`);
        earlier.splice(j, 1);
      }
    }
  };
  for (let i = 0; i < n; i++) {
    if (i % 100 === 99) recheck();
    const c = fuzzCall(seed, i);
    let verdict: Verdict;
    try {
      verdict = referee(c);
    } catch (e) {
      failures.push((e as Error).message);
      continue;
    }
    // Kept to check again later: a backend that keeps a caller's array may write into it during a later call.
    const later = snapshot(callArrays(c.q, c.k, c.v, c.options));
    earlier.push([c.label, later]);
    let result: Awaited<ReturnType<Backend['attention']>> | undefined;
    let error: unknown;
    try {
      result = await withinBound(
        guarded([c.q, c.k, c.v, c.options], () =>
          backend.attention(c.q as Tensor, c.k as Tensor, c.v as Tensor, c.options as AttentionOptions),
        ),
        c.label,
        options.hangMs ?? 10_000,
      );
    } catch (e) {
      error = e;
    }
    if (error instanceof ConformanceFailure) {
      failures.push(`${c.label}: ${error.message}`);
      continue;
    }
    if (error !== undefined) {
      if (!(error instanceof AttnkitError)) {
        failures.push(
          `${c.label}: threw ${(error as Error)?.name}: ${(error as Error)?.message} instead of an AttnkitError`,
        );
        continue;
      }
      if (!STABLE_CODES.has(error.code)) failures.push(`${c.label}: unknown error code ${error.code}`);
      refused[error.code] = (refused[error.code] ?? 0) + 1;
      if (verdict.kind === 'refused' && error.code !== verdict.code) {
        failures.push(
          `${c.label}: refused with ${error.code} (${error.message}); core's validation gives ${verdict.code}`,
        );
      } else if (verdict.kind === 'valid') {
        const p = prepareAttention(c.q as Tensor, c.k as Tensor, c.v as Tensor, c.options as AttentionOptions);
        const lacking = missingFeatures(backend.capabilities, requiredFeatures(p)).length > 0;
        if (!(error.code === 'ERR_UNSUPPORTED' && lacking))
          failures.push(`${c.label}: a valid call was refused with ${error.code}: ${error.message}`);
      }
      continue;
    }
    if (verdict.kind === 'refused') {
      failures.push(`${c.label}: accepted although core's validation refuses it with ${verdict.code}`);
      continue;
    }
    computed++;
    try {
      checkAgainstReference(c, result!);
    } catch (e) {
      failures.push(`${c.label}: ${(e as Error).message}`);
    }
  }
  recheck();
  return { calls: n, computed, refused, failures };
}

function checkAgainstReference(c: FuzzCall, r: Awaited<ReturnType<Backend['attention']>>): void {
  const p = prepareAttention(c.q as Tensor, c.k as Tensor, c.v as Tensor, c.options as AttentionOptions);
  const ref = referenceAttention(p);
  const expected = p.packed ? packF64(ref.output, p.batch, p.qHeads, p.qLength, p.valueDim) : ref.output;
  let vMax = 0;
  for (const x of p.v) vMax = Math.max(vMax, Math.abs(x));
  // float32 results: the absolute tolerance scales with the values being averaged.
  assertClose(r.output.data, expected, { abs: 1e-5 * Math.max(1, vMax), rel: 1e-5 }, 'output');
  if (ref.weights)
    assertClose(r.attentionMap?.data, ref.weights, { abs: 1e-5, rel: 1e-5 }, `attention map (${p.attentionMap})`);
}
