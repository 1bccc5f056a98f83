/**
 * Generated attention cases: shapes (length 1, odd sizes, Sq ≠ Sk, Dv ≠ Dk, GQA/MQA, batch > 1, both
 * layouts, lengths that cross tile boundaries) times every option, plus seeded random combinations of
 * options (property-style: any valid combination must match the reference).
 */
import {
  biasMask,
  boolMask,
  fmtShape,
  pack,
  prepareAttention,
  requiredFeatures,
  seededRandom,
  toFloat16,
  toFloat32,
  type AnyTensor,
  type AttentionOptions,
  type AttentionResult,
  type DType,
  type Random,
  type Tensor,
} from '@attnkit/core';
import type { ConformanceCase } from './case.js';
import { assertClose, FLOAT16_RESULT_TOLERANCE, FLOAT32_TOLERANCE, type Tolerance } from './compare.js';
import { guarded } from './ownership.js';
import { referenceAttention } from './reference-attention.js';
import { handleCase } from './resident-cases.js';

/** Shape of a generated case (legend in @attnkit/core). */
export interface CaseShape {
  /** Batch size. */
  readonly B: number;
  /** Query heads. */
  readonly Hq: number;
  /** Key/value heads (divides `Hq`; fewer is grouped-query attention). */
  readonly Hkv: number;
  /** Query length. */
  readonly Sq: number;
  /** Keys given in the call (`T = P + Sk` with a past). */
  readonly Sk: number;
  /** Query/key head size. */
  readonly Dk: number;
  /** Value head size. */
  readonly Dv: number;
  /** Past length (0 = none). */
  readonly P?: number;
  /** Give q, k and v in the packed layout `[B, S, H·D]` (calls then pass `options.heads`); default `false`: rank 4. */
  readonly packed?: boolean;
}

function rand(rng: Random, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-scale, scale);
  return a;
}

/** Random q, k, v (and past) for a shape. */
export function makeInputs(
  s: CaseShape,
  seed: number,
  scale = 1,
): {
  /** Queries `[B, Hq, Sq, Dk]` (packed: `[B, Sq, Hq·Dk]`), uniform in `[-scale, scale]`. */
  q: Tensor;
  /** Keys `[B, Hkv, Sk, Dk]` (packed: `[B, Sk, Hkv·Dk]`), uniform in `[-scale, scale]`. */
  k: Tensor;
  /** Values `[B, Hkv, Sk, Dv]` (packed: `[B, Sk, Hkv·Dv]`), uniform in `[-1, 1]`. */
  v: Tensor;
  /** The past, when `P > 0`: for `options.past`. */
  past?: {
    /** Cached keys `[B, Hkv, P, Dk]`, uniform in `[-scale, scale]`. */
    key: Tensor;
    /** Cached values `[B, Hkv, P, Dv]`, uniform in `[-1, 1]`. */
    value: Tensor;
  };
} {
  const rng = seededRandom(seed);
  const q = rand(rng, s.B * s.Hq * s.Sq * s.Dk, scale);
  const k = rand(rng, s.B * s.Hkv * s.Sk * s.Dk, scale);
  const v = rand(rng, s.B * s.Hkv * s.Sk * s.Dv);
  const out = s.packed
    ? {
        q: { shape: [s.B, s.Sq, s.Hq * s.Dk], data: pack(q, s.B, s.Hq, s.Sq, s.Dk) },
        k: { shape: [s.B, s.Sk, s.Hkv * s.Dk], data: pack(k, s.B, s.Hkv, s.Sk, s.Dk) },
        v: { shape: [s.B, s.Sk, s.Hkv * s.Dv], data: pack(v, s.B, s.Hkv, s.Sk, s.Dv) },
      }
    : {
        q: { shape: [s.B, s.Hq, s.Sq, s.Dk], data: q },
        k: { shape: [s.B, s.Hkv, s.Sk, s.Dk], data: k },
        v: { shape: [s.B, s.Hkv, s.Sk, s.Dv], data: v },
      };
  if (!s.P) return out;
  return {
    ...out,
    past: {
      key: { shape: [s.B, s.Hkv, s.P, s.Dk], data: rand(rng, s.B * s.Hkv * s.P * s.Dk, scale) },
      value: { shape: [s.B, s.Hkv, s.P, s.Dv], data: rand(rng, s.B * s.Hkv * s.P * s.Dv) },
    },
  };
}

/**
 * A case that runs `backend.attention(q, k, v, options)` and compares output, weights and present with
 * the float64 reference.
 */
export function attentionCase(
  id: string,
  q: AnyTensor,
  k: AnyTensor,
  v: AnyTensor,
  options: AttentionOptions,
  tolerance?: Tolerance,
): ConformanceCase {
  // float16 inputs: the reference runs on their exact values (core's widening), and a float16 result may
  // differ from it by the float32 tolerance plus one rounding to float16.
  const problem = prepareAttention(q, k, v, options);
  const tol = tolerance ?? (problem.outputDtype === 'float16' ? FLOAT16_RESULT_TOLERANCE : FLOAT32_TOLERANCE);
  return {
    id,
    group: 'attention',
    needs: requiredFeatures(problem),
    async run(backend) {
      const r = await guarded([q, k, v, options], () => backend.attention(q, k, v, options));
      expectResult(problem, r, tol);
    },
  };
}

/** Throws unless `r` matches the float64 reference of `problem` (output, attention map and present). */
export function expectResult(
  problem: ReturnType<typeof prepareAttention>,
  r: AttentionResult<AnyTensor>,
  tol: Tolerance,
): void {
  const ref = referenceAttention(problem);
  const { batch: B, qHeads: Hq, qLength: Sq, valueDim: Dv } = problem;
  const expected = problem.packed ? packF64(ref.output, B, Hq, Sq, Dv) : ref.output;
  const wantShape = problem.packed ? [B, Sq, Hq * Dv] : [B, Hq, Sq, Dv];
  if (r.output.shape.join() !== wantShape.join())
    throw new Error(`output shape ${fmtShape(r.output.shape)} expected ${fmtShape(wantShape)}`);
  expectDtype(r.output, problem.outputDtype, 'output');
  assertClose(toFloat32(r.output).data, expected, tol, 'output');
  if (ref.weights) {
    expectDtype(r.attentionMap, problem.outputDtype, 'attentionMap');
    assertClose(
      r.attentionMap && toFloat32(r.attentionMap).data,
      ref.weights,
      tol,
      `weights (${problem.attentionMap})`,
    );
  } else if (r.attentionMap) throw new Error('weights returned although none were requested');
  if (problem.returnPresent) {
    // present holds the inputs themselves: exact in their own dtype.
    expectDtype(r.present?.key, problem.outputDtype, 'present.key');
    assertClose(r.present && toFloat32(r.present.key).data, problem.k, { abs: 0, rel: 0 }, 'present.key');
    assertClose(r.present && toFloat32(r.present.value).data, problem.v, { abs: 0, rel: 0 }, 'present.value');
  }
}

/** A case on arrays, and the same case through resident tensors (see {@link handleCase}). */
function bothWays(
  id: string,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  options: AttentionOptions,
): [ConformanceCase, ConformanceCase] {
  return [attentionCase(id, q, k, v, options), handleCase(id.replace(/^attention\//, 'handles/'), q, k, v, options)];
}

/** Throws unless `t` is a tensor of `dtype` (float32 tensors may leave `dtype` out). */
function expectDtype(t: AnyTensor | undefined, dtype: DType, what: string): void {
  const got = (t as { dtype?: DType } | undefined)?.dtype ?? 'float32';
  const data = t?.data;
  const ok =
    dtype === 'float16'
      ? got === 'float16' && data instanceof Uint16Array
      : got === 'float32' && data instanceof Float32Array;
  if (t && !ok)
    throw new Error(
      `${what}: expected a ${dtype} tensor, got dtype ${got} with ${data?.constructor.name ?? 'no'} data`,
    );
}

/** Shapes the float16 cases run every option family on (one per layout). */
const FLOAT16_SHAPES = ['odd', 'packed'] as const;

/**
 * float16 cases: every option family on a shape of each layout, every past option on a decode cache, and
 * one call asking for a float32 result. Inputs are the float32 cases' inputs rounded to float16.
 */
export function float16Cases(): ConformanceCase[] {
  const half = <T extends { q: Tensor; k: Tensor; v: Tensor; past?: { key: Tensor; value: Tensor } }>(x: T) => ({
    q: toFloat16(x.q),
    k: toFloat16(x.k),
    v: toFloat16(x.v),
    past: x.past && { key: toFloat16(x.past.key), value: toFloat16(x.past.value) },
  });
  const cases: ConformanceCase[] = [];
  let seed = 5000;
  for (const shapeName of FLOAT16_SHAPES) {
    const shape = SHAPES[shapeName]!;
    for (const [optName, make] of Object.entries(OPTIONS)) {
      seed++;
      const opts = make(shape, seededRandom(seed * 7919));
      if (!opts) continue;
      const { q, k, v } = half(makeInputs(shape, seed));
      const heads = shape.packed ? { heads: { q: shape.Hq, kv: shape.Hkv } } : {};
      cases.push(attentionCase(`float16/${optName}/${shapeName}`, q, k, v, { ...heads, ...opts }));
    }
  }
  const decode = PAST_SHAPES['past-decode']!;
  for (const optName of PAST_OPTIONS) {
    seed++;
    const opts = OPTIONS[optName]!(decode, seededRandom(seed * 7919));
    if (!opts) continue;
    const { q, k, v, past } = half(makeInputs(decode, seed));
    cases.push(attentionCase(`float16/past-${optName}/past-decode`, q, k, v, { ...opts, past: past! }));
  }
  const gqa = half(makeInputs(SHAPES.gqa!, ++seed));
  cases.push(
    attentionCase('float16/output-float32/gqa', gqa.q, gqa.k, gqa.v, { causal: true, outputDtype: 'float32' }),
  );
  return cases;
}

/** `[B, H, S, D]` → `[B, S, H·D]` in float64 (the reference in the caller's packed layout). */
export function packF64(src: Float64Array, B: number, H: number, S: number, D: number): Float64Array {
  const out = new Float64Array(src.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++)
        for (let d = 0; d < D; d++) out[((b * S + s) * H + h) * D + d] = src[((b * H + h) * S + s) * D + d]!;
  return out;
}

const SHAPES: Record<string, CaseShape> = {
  unit: { B: 1, Hq: 1, Hkv: 1, Sq: 1, Sk: 1, Dk: 1, Dv: 1 },
  'single-query': { B: 1, Hq: 2, Hkv: 2, Sq: 1, Sk: 9, Dk: 8, Dv: 8 },
  odd: { B: 2, Hq: 3, Hkv: 3, Sq: 5, Sk: 7, Dk: 3, Dv: 5 },
  'sq-gt-sk': { B: 1, Hq: 2, Hkv: 2, Sq: 12, Sk: 5, Dk: 4, Dv: 4 },
  gqa: { B: 2, Hq: 4, Hkv: 2, Sq: 6, Sk: 6, Dk: 8, Dv: 8 },
  'mqa-dv': { B: 1, Hq: 4, Hkv: 1, Sq: 9, Sk: 13, Dk: 16, Dv: 6 },
  packed: { B: 2, Hq: 4, Hkv: 2, Sq: 7, Sk: 11, Dk: 4, Dv: 6, packed: true },
  tiles: { B: 1, Hq: 2, Hkv: 1, Sq: 77, Sk: 150, Dk: 16, Dv: 8 },
  'self-70': { B: 2, Hq: 2, Hkv: 2, Sq: 70, Sk: 70, Dk: 32, Dv: 32 },
};

type OptionMaker = (s: CaseShape, rng: Random) => AttentionOptions | undefined;

/** Option families, each applied to every shape it fits. */
const OPTIONS: Record<string, OptionMaker> = {
  plain: () => ({}),
  scale: () => ({ scale: 0.37 }),
  softcap: () => ({ softcap: 1.5, scale: 2 }),
  causal: () => ({ causal: true }),
  'window-2-1': () => ({ window: { left: 2, right: 1 } }),
  'window-0-0': () => ({ window: { left: 0, right: 0 } }),
  'window-causal': (s) => ({ causal: true, window: { left: Math.max(1, Math.floor(s.Sk / 3)), right: 5 } }),
  'window-wide': (s) => ({ window: { left: Math.ceil(s.Sk / 2), right: 40 } }),
  'bool-mask-2d': (s, r) => ({
    mask: boolMask(
      Uint8Array.from({ length: s.Sq * T(s) }, () => (r.next() < 0.7 ? 1 : 0)),
      [s.Sq, T(s)],
    ),
  }),
  'bool-mask-keys': (s, r) => ({
    mask: boolMask(
      Uint8Array.from({ length: s.B * T(s) }, () => (r.next() < 0.6 ? 1 : 0)),
      [s.B, 1, 1, T(s)],
    ),
  }),
  'bias-mask-4d': (s, r) => ({
    mask: biasMask(
      Float32Array.from({ length: s.B * s.Hq * s.Sq * T(s) }, () => (r.next() < 0.2 ? -Infinity : r.uniform(-2, 2))),
      [s.B, s.Hq, s.Sq, T(s)],
    ),
  }),
  'bias-mask-heads': (s, r) => ({
    mask: biasMask(
      Float32Array.from({ length: s.Hq * T(s) }, () => r.uniform(-1, 1)),
      [s.Hq, 1, T(s)],
    ),
  }),
  'mask-short': (s, r) =>
    T(s) < 3
      ? undefined
      : {
          mask: biasMask(
            Float32Array.from({ length: s.Sq * (T(s) - 2) }, () => r.uniform(-1, 1)),
            [s.Sq, T(s) - 2],
          ),
        },
  'key-lengths': (s, r) => ({
    keyLengths: Int32Array.from({ length: s.B }, (_, b) => (b === 0 ? T(s) : r.int(0, T(s)))),
  }),
  'key-lengths-causal': (s, r) =>
    s.P
      ? undefined
      : { causal: true, keyLengths: Int32Array.from({ length: s.B }, () => r.int(Math.min(s.Sq, T(s)), T(s))) },
  'key-padding-window': (s, r) => ({
    keyPadding: Int32Array.from({ length: s.B }, () => r.int(1, T(s))),
    window: { left: 3, right: 3 },
  }),
  graph: (s, r) => {
    const e: number[] = [];
    for (let i = 0; i < s.Sq; i++) for (let j = 0; j < T(s); j++) if (r.next() < 0.3 || i === j % s.Sq) e.push(i, j);
    return { graph: { edges: Int32Array.from(e) } };
  },
  alibi: (s) => ({ alibi: Float32Array.from({ length: s.Hq }, (_, h) => Math.pow(2, (-8 * (h + 1)) / s.Hq)) }),
  'all-masked-row': (s) => ({
    mask: boolMask(
      Uint8Array.from({ length: s.Sq * T(s) }, (_, x) => (Math.floor(x / T(s)) === 0 ? 0 : 1)),
      [s.Sq, T(s)],
    ),
    attentionMap: 'probs' as const,
  }),
  'weights-scores': () => ({ attentionMap: 'scores' as const, causal: true }),
  'weights-softcapped': () => ({ attentionMap: 'softcapped' as const, softcap: 0.8 }),
  'weights-masked': (s) => ({
    attentionMap: 'masked' as const,
    window: { left: 1, right: 2 },
    keyPadding: new Int32Array(s.B).fill(Math.max(1, T(s) - 1)),
  }),
  'weights-probs': () => ({ attentionMap: 'probs' as const }),
};

/** Additive relevance weights `[Hq, Dk]`. */
export function additiveRelevance(s: CaseShape, rng: Random): AttentionOptions['relevance'] {
  return { kind: 'additive', weights: { shape: [s.Hq, s.Dk], data: rand(rng, s.Hq * s.Dk) } };
}

/** Additive relevance, alone and with every kind of masking and map (applied to every shape). */
const ADDITIVE_OPTIONS: Record<string, OptionMaker> = {
  additive: (s, r) => ({ relevance: additiveRelevance(s, r) }),
  'additive-softcap-causal': (s, r) => ({ relevance: additiveRelevance(s, r), softcap: 0.7, causal: true }),
  'additive-window-padding': (s, r) => ({
    relevance: additiveRelevance(s, r),
    window: { left: 2, right: 3 },
    keyPadding: Int32Array.from({ length: s.B }, () => r.int(1, T(s))),
  }),
  'additive-bias-mask': (s, r) => ({ relevance: additiveRelevance(s, r), ...OPTIONS['bias-mask-4d']!(s, r) }),
  'additive-bool-mask-alibi': (s, r) => ({
    relevance: additiveRelevance(s, r),
    ...OPTIONS['bool-mask-keys']!(s, r),
    ...OPTIONS.alibi!(s, r),
  }),
  'additive-graph': (s, r) => ({ relevance: additiveRelevance(s, r), ...OPTIONS.graph!(s, r) }),
  'additive-key-lengths-scores': (s, r) => ({
    relevance: additiveRelevance(s, r),
    keyLengths: Int32Array.from({ length: s.B }, (_, b) => (b === 0 ? T(s) : r.int(0, T(s)))),
    attentionMap: 'scores' as const,
  }),
  'additive-probs': (s, r) => ({ relevance: additiveRelevance(s, r), attentionMap: 'probs' as const }),
};

function T(s: CaseShape): number {
  return (s.P ?? 0) + s.Sk;
}

/** Shapes with a cache, for past/present cases. */
const PAST_SHAPES: Record<string, CaseShape> = {
  'past-decode': { B: 2, Hq: 4, Hkv: 2, Sq: 1, Sk: 1, Dk: 8, Dv: 8, P: 9 },
  'past-prefill': { B: 1, Hq: 2, Hkv: 2, Sq: 5, Sk: 5, Dk: 8, Dv: 4, P: 6 },
  'past-tiles': { B: 1, Hq: 1, Hkv: 1, Sq: 40, Sk: 40, Dk: 8, Dv: 8, P: 50 },
};
const PAST_OPTIONS = ['plain', 'causal', 'window-causal', 'bias-mask-4d', 'weights-probs', 'key-padding-window'];

/** Every generated attention case, in a stable order. */
export function attentionCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  let seed = 1;
  for (const [shapeName, shape] of Object.entries(SHAPES)) {
    for (const [optName, make] of Object.entries(OPTIONS)) {
      seed++;
      const rng = seededRandom(seed * 7919);
      const opts = make(shape, rng);
      if (!opts) continue;
      const { q, k, v } = makeInputs(shape, seed);
      const heads = shape.packed ? { heads: { q: shape.Hq, kv: shape.Hkv } } : {};
      cases.push(...bothWays(`attention/${optName}/${shapeName}`, q, k, v, { ...heads, ...opts }));
    }
  }
  for (const [shapeName, shape] of Object.entries(SHAPES)) {
    for (const [optName, make] of Object.entries(ADDITIVE_OPTIONS)) {
      seed++;
      const opts = make(shape, seededRandom(seed * 7919));
      if (!opts) continue;
      const { q, k, v } = makeInputs(shape, seed);
      const heads = shape.packed ? { heads: { q: shape.Hq, kv: shape.Hkv } } : {};
      cases.push(...bothWays(`attention/${optName}/${shapeName}`, q, k, v, { ...heads, ...opts }));
    }
  }
  for (const [shapeName, shape] of Object.entries(PAST_SHAPES)) {
    for (const optName of PAST_OPTIONS) {
      seed++;
      const opts = OPTIONS[optName]!(shape, seededRandom(seed * 7919));
      if (!opts) continue;
      const { q, k, v, past } = makeInputs(shape, seed);
      cases.push(...bothWays(`attention/past-${optName}/${shapeName}`, q, k, v, { ...opts, past: past! }));
    }
  }
  for (const [shapeName, shape] of Object.entries(PAST_SHAPES)) {
    seed++;
    const r = seededRandom(seed * 7919);
    const { q, k, v, past } = makeInputs(shape, seed);
    const opts = { relevance: additiveRelevance(shape, r), causal: true, past: past! };
    cases.push(...bothWays(`attention/past-additive-causal/${shapeName}`, q, k, v, opts));
  }
  cases.push(...randomCombinationCases(40));
  cases.push(...randomCombinationCases(16, 40417, true));
  return cases;
}

/**
 * Seeded random shapes with random valid combinations of options. With `additive`, every case uses
 * additive relevance (and no scale); the other options are drawn as without it.
 */
export function randomCombinationCases(count: number, baseSeed = 20260, additive = false): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (let n = 0; n < count; n++) {
    const r = seededRandom(baseSeed + n);
    const Hkv = r.int(1, 3);
    const shape: CaseShape = {
      B: r.int(1, 3),
      Hkv,
      Hq: Hkv * r.int(1, 3),
      Sq: r.int(1, 40),
      Sk: r.int(1, 40),
      Dk: r.int(1, 20),
      Dv: r.int(1, 20),
      P: r.next() < 0.25 ? r.int(1, 20) : 0,
      packed: r.next() < 0.2,
    };
    const opts: Record<string, unknown> = {};
    if (shape.packed) opts.heads = { q: shape.Hq, kv: shape.Hkv };
    if (shape.P) opts.past = makeInputs(shape, baseSeed + n).past;
    if (r.next() < 0.3) {
      const scale = r.uniform(0.05, 2);
      if (!additive) opts.scale = scale; // additive relevance has no scale
    }
    if (r.next() < 0.25) opts.softcap = r.uniform(0.5, 5);
    if (r.next() < 0.4) opts.causal = true;
    if (r.next() < 0.35) opts.window = { left: r.int(0, 12), right: r.int(0, 12) };
    if (r.next() < 0.3) Object.assign(opts, OPTIONS[r.next() < 0.5 ? 'bool-mask-2d' : 'bias-mask-heads']!(shape, r));
    if (r.next() < 0.3) {
      if (!shape.P && r.next() < 0.5) opts.keyLengths = Int32Array.from({ length: shape.B }, () => r.int(0, T(shape)));
      else opts.keyPadding = Int32Array.from({ length: shape.B }, () => r.int(0, T(shape)));
    }
    if (r.next() < 0.15) Object.assign(opts, OPTIONS.graph!(shape, r));
    if (r.next() < 0.15) Object.assign(opts, OPTIONS.alibi!(shape, r));
    if (r.next() < 0.3) opts.weights = (['scores', 'softcapped', 'masked', 'probs'] as const)[r.int(0, 3)];
    if (additive) opts.relevance = additiveRelevance(shape, r);
    const { q, k, v } = makeInputs(shape, baseSeed + n + 1000);
    cases.push(...bothWays(`attention/random-${additive ? 'additive-' : ''}${n}`, q, k, v, opts as AttentionOptions));
  }
  return cases;
}
