/**
 * Validation and normalisation of one attention call. Runs once, in core, before any backend:
 * backends receive an {@link AttentionProblem} that is known to be valid, in the canonical rank-4
 * layout, with every default filled in.
 *
 * Shape legend: B batch, Hq/Hkv query/key-value heads, Sq query length, Sk this call's key length,
 * P past length, T = P + Sk total key length, Dk query/key head size, Dv value head size.
 */
import { AttnkitError, OptionError, ShapeError, fmtShape } from './errors.js';
import type { Tensor } from './tensor.js';
import { inputShape } from './resident.js';
import { halfBits, tensorDtype, widened, type AnyTensor, type DType } from './half-tensor.js';
import { float32FromHalf, fromHalfBits } from './half.js';
import type { AttentionOptions } from './attention-options.js';
import { expectOptionsObject, resolveAttention, type AttentionSetup } from './attention-setup.js';
import { concatSeq, unpack } from './layout.js';
import { expectRepresentable, sumOfSquares, type InputSquares } from './input-scan.js';
import type { MemoryModel } from './limits.js';

export type { AttentionSetup, ResolvedMask, GraphAdjacency } from './attention-setup.js';

/** A validated attention call in canonical form: its setup and its arrays, rank-4 row-major `[B, H, S, D]`. */
export interface AttentionProblem extends AttentionSetup {
  /** `[B, Hq, Sq, Dk]` */
  readonly q: Float32Array;
  /** `[B, Hkv, T, Dk]`: past and this call's keys. */
  readonly k: Float32Array;
  /** `[B, Hkv, T, Dv]` */
  readonly v: Float32Array;
  /**
   * float16 calls in the canonical layout (rank 4, no past): the caller's half bits of q, k and v, the same
   * values as the arrays above, for kernels that move halves. Read them only: they are the caller's.
   */
  readonly halves?: {
    /** float16 bits of q, `[B, Hq, Sq, Dk]`. */
    readonly q: Uint16Array;
    /** float16 bits of k, `[B, Hkv, T, Dk]` (`T = Sk`: a call with a past has no halves). */
    readonly k: Uint16Array;
    /** float16 bits of v, `[B, Hkv, T, Dv]`. */
    readonly v: Uint16Array;
  };
}

/** What {@link prepareAttention} checks beyond shapes and options. */
export interface PrepareChecks {
  /**
   * Scan `q`, `k`, `v` and the past for NaN and ±Infinity (default `true`). Only a caller that checks
   * them another way before using the result turns this off: {@link defineBackend} does, for kernels
   * that report the sum of their inputs (see `BackendKernels.sumsInputs`).
   */
  readonly finiteInputs?: boolean;
  /** The backend's memory limit in bytes (`options.maxBytes` overrides it); default {@link defaultMaxBytes}. */
  readonly maxBytes?: number;
  /** The backend's working memory and hard cap, counted against the limit. */
  readonly memory?: MemoryModel;
  /**
   * The kernel reads float16 calls from {@link AttentionProblem.halves} (see `BackendKernels.takesHalves`):
   * where core has them, it then scans the half bits themselves and widens `q`, `k` and `v` only when
   * something reads them.
   */
  readonly halves?: boolean;
}

/**
 * Validates an attention call and returns its canonical form. Throws an {@link AttnkitError} naming the
 * argument, what it got and what was expected.
 */
export function prepareAttention(
  qIn: AnyTensor,
  kIn: AnyTensor,
  vIn: AnyTensor,
  optionsIn: AttentionOptions = {},
  checks: PrepareChecks = {},
): AttentionProblem {
  const { setup, dtype, pastIn } = prepareSetup(qIn, kIn, vIn, optionsIn, checks);
  const {
    batch: B,
    qHeads: Hq,
    kvHeads: Hkv,
    qLength: Sq,
    kvLength: Sk,
    pastLength: P,
    keyDim: Dk,
    valueDim: Dv,
    packed,
  } = setup;
  const options = optionsIn;
  const past = pastIn as { key: AnyTensor; value: AnyTensor } | undefined;
  if (dtype === 'float16' && !packed && !past && checks.halves === true)
    return halfProblem(setup, halfBits(qIn.data), halfBits(kIn.data), halfBits(vIn.data), checks);
  const q = widened(qIn, dtype);
  const k = widened(kIn, dtype);
  const v = widened(vIn, dtype);
  const past32 = past && { key: widened(past.key, dtype), value: widened(past.value, dtype) };
  const squares =
    checks.finiteInputs !== false ? expectFiniteInputs(q, k, v, past32 ? { ...options, past: past32 } : {}) : undefined;
  const q4 = packed ? unpack(q.data, B, Sq, Hq, Dk) : q.data;
  const k4 = packed ? unpack(k.data, B, Sk, Hkv, Dk) : k.data;
  const v4 = packed ? unpack(v.data, B, Sk, Hkv, Dv) : v.data;
  const kAll = past32 ? concatSeq(past32.key.data, k4, B * Hkv, P, Sk, Dk) : k4;
  const vAll = past32 ? concatSeq(past32.value.data, v4, B * Hkv, P, Sk, Dv) : v4;
  if (squares)
    expectRepresentable(
      { keyDim: Dk, keyLength: setup.keyLength, scale: setup.scale, q: q4, k: kAll, v: vAll },
      squares,
    );
  const halves =
    dtype === 'float16' && !packed && !past
      ? { q: halfBits(qIn.data), k: halfBits(kIn.data), v: halfBits(vIn.data) }
      : undefined;
  return halves ? { ...setup, q: q4, k: kAll, v: vAll, halves } : { ...setup, q: q4, k: kAll, v: vAll };
}

/**
 * A float16 call for a kernel that takes halves: the caller's bits as {@link AttentionProblem.halves}, and
 * `q`, `k`, `v` widened on first read (once each). The finite scan reads the bits (exponent 31 is Inf or
 * NaN) and finds each tensor's largest magnitude exactly, from its largest bits without the sign (the
 * order of finite halves' bit patterns is the order of their magnitudes); the range rule then needs no
 * float32 copy unless it refuses.
 */
function halfProblem(
  setup: AttentionSetup,
  q: Uint16Array,
  k: Uint16Array,
  v: Uint16Array,
  checks: PrepareChecks,
): AttentionProblem {
  let q32: Float32Array | undefined, k32: Float32Array | undefined, v32: Float32Array | undefined;
  const problem: AttentionProblem = {
    ...setup,
    get q() {
      return (q32 ??= float32FromHalf(q));
    },
    get k() {
      return (k32 ??= float32FromHalf(k));
    },
    get v() {
      return (v32 ??= float32FromHalf(v));
    },
    halves: { q, k, v },
  };
  if (checks.finiteInputs !== false) {
    // The largest magnitude squared bounds the sum of squares' role in the rule exactly (sqrt of it is the maximum).
    const mq = largestHalf(q, 'q'),
      mk = largestHalf(k, 'k'),
      mv = largestHalf(v, 'v');
    expectRepresentable(problem, { q: mq * mq, k: mk * mk, v: mv * mv });
  }
  return problem;
}

/** The largest magnitude among half bits; throws `ERR_NON_FINITE` naming the first Inf or NaN. */
function largestHalf(bits: Uint16Array, name: string): number {
  let top = 0;
  for (let i = 0; i < bits.length; i++) {
    const a = bits[i]! & 0x7fff;
    if (a > top) top = a;
  }
  if (top >= 0x7c00) {
    const j = bits.findIndex((h) => (h & 0x7c00) === 0x7c00);
    throw new AttnkitError(
      'ERR_NON_FINITE',
      `${name}: element ${j} is ${fromHalfBits(bits[j]!)}; expected finite numbers`,
      name,
    );
  }
  return fromHalfBits(top);
}

/** A call's validated setup, its dtype and its past, without touching its data: inputs may be resident tensors. */
export interface PreparedSetup {
  readonly setup: AttentionSetup;
  readonly dtype: DType;
  readonly pastIn: { readonly key: unknown; readonly value: unknown } | undefined;
}

/**
 * The shape and option half of {@link prepareAttention}: checks every shape and option of a call whose
 * inputs are tensors or resident tensors, and resolves its setup. @internal
 */
export function prepareSetup(
  qIn: unknown,
  kIn: unknown,
  vIn: unknown,
  optionsIn: AttentionOptions = {},
  checks: PrepareChecks = {},
): PreparedSetup {
  expectOptionsObject(optionsIn);
  // float16 inputs are checked as they are, then (after the size checks) widened exactly to float32, the
  // form kernels receive.
  const dtype = callDtype(qIn, kIn, vIn, optionsIn);
  const options = optionsIn;
  const qs = inputShape(qIn, 'q', [3, 4], dtype);
  const ks = inputShape(kIn, 'k', [3, 4], dtype);
  const vs = inputShape(vIn, 'v', [3, 4], dtype);
  if (ks.length !== qs.length || vs.length !== qs.length) {
    throw new ShapeError(
      'ERR_RANK',
      `k and v must have the rank of q (${qs.length}); got k ${fmtShape(ks)}, v ${fmtShape(vs)}`,
      ks.length !== qs.length ? 'k' : 'v',
    );
  }
  const packed = qs.length === 3;
  let B: number, Hq: number, Hkv: number, Sq: number, Sk: number, Dk: number, Dv: number;
  if (packed) {
    const heads = options.heads;
    if (!heads || typeof heads !== 'object' || !isPosInt(heads.q) || (heads.kv !== undefined && !isPosInt(heads.kv))) {
      throw new OptionError(
        'ERR_OPTION',
        `options.heads: packed rank-3 inputs [B, S, H·D] need heads { q, kv? } as positive integers, got ${JSON.stringify(heads)}`,
        'options.heads',
      );
    }
    Hq = heads.q;
    Hkv = heads.kv ?? heads.q;
    [B, Sq] = qs as [number, number, number];
    Sk = ks[1]!;
    if (qs[2]! % Hq !== 0)
      throw new ShapeError('ERR_HEADS', `q: last dimension ${qs[2]} is not a multiple of ${Hq} query heads`, 'q');
    if (ks[2]! % Hkv !== 0)
      throw new ShapeError('ERR_HEADS', `k: last dimension ${ks[2]} is not a multiple of ${Hkv} key/value heads`, 'k');
    if (vs[2]! % Hkv !== 0)
      throw new ShapeError('ERR_HEADS', `v: last dimension ${vs[2]} is not a multiple of ${Hkv} key/value heads`, 'v');
    Dk = qs[2]! / Hq;
    Dv = vs[2]! / Hkv;
    if (ks[2]! / Hkv !== Dk)
      throw new ShapeError(
        'ERR_SHAPE',
        `k: shape ${fmtShape(ks)} gives head size ${ks[2]! / Hkv}, but q has Dk ${Dk}`,
        'k',
      );
    if (ks[0] !== B)
      throw new ShapeError(
        'ERR_SHAPE',
        `k: shape ${fmtShape(ks)} does not match q ${fmtShape(qs)}: batch ${ks[0]} vs ${B}`,
        'k',
      );
    if (vs[0] !== B || vs[1] !== Sk)
      throw new ShapeError(
        'ERR_SHAPE',
        `v: shape ${fmtShape(vs)} does not match k ${fmtShape(ks)}: expected [${B}, ${Sk}, ${Hkv}·Dv]`,
        'v',
      );
  } else {
    if (options.heads !== undefined) {
      const h = options.heads;
      if (typeof h !== 'object') {
        throw new AttnkitError('ERR_TYPE', `options.heads: expected { q, kv? }, got ${typeof h}`, 'options.heads');
      }
      if (h.q !== qs[1] || (h.kv !== undefined && h.kv !== ks[1])) {
        throw new OptionError(
          'ERR_OPTION',
          `options.heads ${JSON.stringify(h)} disagrees with the rank-4 shapes q ${fmtShape(qs)}, k ${fmtShape(ks)}`,
          'options.heads',
        );
      }
    }
    [B, Hq, Sq, Dk] = qs as [number, number, number, number];
    Hkv = ks[1]!;
    Sk = ks[2]!;
    Dv = vs[3]!;
    if (ks[0] !== B)
      throw new ShapeError(
        'ERR_SHAPE',
        `k: shape ${fmtShape(ks)} does not match q ${fmtShape(qs)}: batch ${ks[0]} vs ${B}`,
        'k',
      );
    if (ks[3] !== Dk)
      throw new ShapeError(
        'ERR_SHAPE',
        `k: shape ${fmtShape(ks)} does not match q ${fmtShape(qs)}: Dk ${ks[3]} vs ${Dk}`,
        'k',
      );
    if (vs[0] !== B || vs[1] !== Hkv || vs[2] !== Sk) {
      throw new ShapeError(
        'ERR_SHAPE',
        `v: shape ${fmtShape(vs)} does not match k ${fmtShape(ks)}: expected [${B}, ${Hkv}, ${Sk}, Dv]`,
        'v',
      );
    }
  }
  if (B < 1 || Hq < 1 || Hkv < 1 || Sq < 1 || Dk < 1 || Dv < 1) {
    // A shape with a zero dimension (other than the key length, which may be 0).
    throw new ShapeError(
      'ERR_SHAPE',
      `q, k, v: batch, heads, query length and head sizes must be at least 1; got B=${B} Hq=${Hq} Hkv=${Hkv} Sq=${Sq} Dk=${Dk} Dv=${Dv}`,
      'q',
    );
  }
  if (Hq % Hkv !== 0) {
    throw new ShapeError(
      'ERR_HEADS',
      `k: ${Hkv} key/value heads do not divide ${Hq} query heads (Hq must be a multiple of Hkv)`,
      'k',
    );
  }

  // Past key/value: always rank 4.
  let P = 0;
  let pastIn: { key: unknown; value: unknown } | undefined;
  if (options.past !== undefined) {
    const p = options.past;
    if (p === null || typeof p !== 'object')
      throw new AttnkitError('ERR_TYPE', 'options.past: expected { key, value } tensors', 'options.past');
    const pk = inputShape(p.key, 'options.past.key', [4], dtype);
    const pv = inputShape(p.value, 'options.past.value', [4], dtype);
    P = pk[2]!;
    if (pk[0] !== B || pk[1] !== Hkv || pk[3] !== Dk) {
      throw new ShapeError(
        'ERR_SHAPE',
        `options.past.key: shape ${fmtShape(pk)}, expected [${B}, ${Hkv}, P, ${Dk}]`,
        'options.past.key',
      );
    }
    if (pv[0] !== B || pv[1] !== Hkv || pv[2] !== P || pv[3] !== Dv) {
      throw new ShapeError(
        'ERR_SHAPE',
        `options.past.value: shape ${fmtShape(pv)}, expected [${B}, ${Hkv}, ${P}, ${Dv}]`,
        'options.past.value',
      );
    }
    pastIn = { key: p.key, value: p.value };
  }
  const setup = resolveAttention(
    {
      batch: B,
      qHeads: Hq,
      kvHeads: Hkv,
      qLength: Sq,
      kvLength: Sk,
      pastLength: P,
      keyDim: Dk,
      valueDim: Dv,
      hasPast: pastIn !== undefined,
      dtype,
      packed,
    },
    options,
    { maxBytes: checks.maxBytes, memory: checks.memory, halves: checks.halves },
  );
  return { setup, dtype, pastIn };
}

/** Options whose past is float32 (float16 pasts are widened first). */
type Float32Options = AttentionOptions & { readonly past?: { readonly key: Tensor; readonly value: Tensor } };

/**
 * The one dtype of a call's q, k, v and past. Mixing dtypes is refused (`ERR_DTYPE`): convert with
 * `toFloat16` or `toFloat32` first.
 */
function callDtype(q: unknown, k: unknown, v: unknown, options: AttentionOptions): DType {
  const named: [unknown, string][] = [
    [q, 'q'],
    [k, 'k'],
    [v, 'v'],
  ];
  const past = options.past as { key?: unknown; value?: unknown } | null | undefined;
  if (past !== null && typeof past === 'object')
    named.push([past.key, 'options.past.key'], [past.value, 'options.past.value']);
  const first = tensorDtype(q, 'q');
  for (const [t, name] of named.slice(1)) {
    const d = tensorDtype(t, name);
    if (d !== first)
      throw new AttnkitError(
        'ERR_DTYPE',
        `${name}: dtype ${d} differs from q's ${first}; q, k, v and the past share one dtype (convert with toFloat16 or toFloat32)`,
        name,
      );
  }
  return first;
}

function isPosInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1;
}

/**
 * Throws `ERR_NON_FINITE`, naming the tensor and the element, for the first NaN or ±Infinity in `q`, `k`,
 * `v` or `options.past`, in that order: the check {@link prepareAttention} makes unless told not to.
 * Returns the sums of squares (k and v with the past), which bound the magnitudes for the range rule.
 * Call it only on arguments `prepareAttention` has accepted.
 */
export function expectFiniteInputs(q: Tensor, k: Tensor, v: Tensor, options: Float32Options = {}): InputSquares {
  const sq = sumOfSquares(q.data, 'q');
  let sk = sumOfSquares(k.data, 'k');
  let sv = sumOfSquares(v.data, 'v');
  if (options.past) {
    sk += sumOfSquares(options.past.key.data, 'options.past.key');
    sv += sumOfSquares(options.past.value.data, 'options.past.value');
  }
  return { q: sq, k: sk, v: sv };
}
