/**
 * Validation and normalisation of one attention call. Runs once, in core, before any backend:
 * backends receive an {@link AttentionProblem} that is known to be valid, in the canonical rank-4
 * layout, with every default filled in.
 *
 * Shape legend: B batch, Hq/Hkv query/key-value heads, Sq query length, Sk this call's key length,
 * P past length, T = P + Sk total key length, Dk query/key head size, Dv value head size.
 */
import { AttnkitError, OptionError, ShapeError, fmtShape } from './errors.js';
import { expectTensor, sizeOf, type Tensor } from './tensor.js';
import type { AttentionOptions, Mask, WeightsKind } from './attention-options.js';
import { concatSeq, unpack } from './layout.js';
import { SCORE_LIMIT, expectRepresentable, sumOfSquares, type InputSquares } from './input-scan.js';
import { attentionAllocations, effectiveLimit, expectMaxBytes, expectWithinLimit, type MemoryModel } from './limits.js';

/** A mask resolved against the problem's shape: element strides over `[B, Hq, Sq, T]` (0 = broadcast). */
export interface ResolvedMask {
  readonly kind: 'bool' | 'bias';
  readonly data: Uint8Array | Float32Array;
  /** Original mask shape. */
  readonly shape: readonly number[];
  readonly strides: readonly [number, number, number, number];
  /** Keys `j >= keyExtent` are masked (a mask shorter than `T` is padded with "masked"). */
  readonly keyExtent: number;
}

/** Graph adjacency in compressed rows: the keys of query `i` are `keys[offsets[i] .. offsets[i+1])`, sorted, unique. */
export interface GraphAdjacency {
  readonly edges: Int32Array;
  readonly offsets: Int32Array;
  readonly keys: Int32Array;
}

/** A validated attention call in canonical form. All arrays are rank-4 row-major `[B, H, S, D]`. */
export interface AttentionProblem {
  readonly batch: number;
  readonly qHeads: number;
  readonly kvHeads: number;
  /** `Hq / Hkv`: query head `h` uses key/value head `floor(h / group)`. */
  readonly group: number;
  readonly qLength: number;
  /** `Sk`: keys given in this call. */
  readonly kvLength: number;
  /** `P`: cached keys in front. */
  readonly pastLength: number;
  /** `T = P + Sk`. */
  readonly keyLength: number;
  readonly keyDim: number;
  readonly valueDim: number;
  /** `[B, Hq, Sq, Dk]` */
  readonly q: Float32Array;
  /** `[B, Hkv, T, Dk]`: past and this call's keys. */
  readonly k: Float32Array;
  /** `[B, Hkv, T, Dv]` */
  readonly v: Float32Array;
  /** This call's keys and values alone, `[B, Hkv, Sk, D]`, and the past, for backends that take a cache natively. */
  readonly kvNew: { readonly key: Float32Array; readonly value: Float32Array };
  readonly past: { readonly key: Float32Array; readonly value: Float32Array } | undefined;
  readonly scale: number;
  /** `0` = no softcap. */
  readonly softcap: number;
  readonly causal: boolean;
  readonly window: { readonly left: number; readonly right: number } | undefined;
  readonly mask: ResolvedMask | undefined;
  /** Valid keys per batch (from `keyLengths` or `keyPadding`). */
  readonly keyLengths: Int32Array | undefined;
  /** True when the valid lengths come from `keyLengths` and so move the causal/window alignment. */
  readonly alignToKeyLengths: boolean;
  readonly graph: GraphAdjacency | undefined;
  readonly alibi: Float32Array | undefined;
  readonly weights: WeightsKind;
  readonly returnPresent: boolean;
  /** The caller used the packed `[B, S, H·D]` layout (core converts back). */
  readonly packed: boolean;
}

const KNOWN_OPTIONS = new Set([
  'heads', 'scale', 'softcap', 'causal', 'window', 'mask', 'keyLengths', 'keyPadding', 'graph', 'alibi', 'past',
  'returnPresent', 'weights', 'maxBytes',
]);
const WEIGHT_KINDS: readonly WeightsKind[] = ['none', 'scores', 'softcapped', 'masked', 'probs'];

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
}

/**
 * Validates an attention call and returns its canonical form. Throws an {@link AttnkitError} naming the
 * argument, what it got and what was expected.
 */
export function prepareAttention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}, checks: PrepareChecks = {}): AttentionProblem {
  if (options === null || typeof options !== 'object') {
    throw new AttnkitError('ERR_TYPE', `options: expected an object, got ${options === null ? 'null' : typeof options}`, 'options');
  }
  for (const key of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(key)) {
      throw new OptionError('ERR_OPTION', `options.${key}: unknown option; expected one of ${[...KNOWN_OPTIONS].join(', ')}`, `options.${key}`);
    }
    if ((options as Record<string, unknown>)[key] === null) {
      throw new AttnkitError('ERR_TYPE', `options.${key}: got null; omit the option (or give undefined) to use its default`, `options.${key}`);
    }
  }
  const qs = expectTensor(q, 'q', [3, 4]);
  const ks = expectTensor(k, 'k', [3, 4]);
  const vs = expectTensor(v, 'v', [3, 4]);
  if (ks.length !== qs.length || vs.length !== qs.length) {
    throw new ShapeError('ERR_RANK', `k and v must have the rank of q (${qs.length}); got k ${fmtShape(ks)}, v ${fmtShape(vs)}`, ks.length !== qs.length ? 'k' : 'v');
  }
  const packed = qs.length === 3;
  let B: number, Hq: number, Hkv: number, Sq: number, Sk: number, Dk: number, Dv: number;
  if (packed) {
    const heads = options.heads;
    if (!heads || typeof heads !== 'object' || !isPosInt(heads.q) || (heads.kv !== undefined && !isPosInt(heads.kv))) {
      throw new OptionError('ERR_OPTION', `options.heads: packed rank-3 inputs [B, S, H·D] need heads { q, kv? } as positive integers, got ${JSON.stringify(heads)}`, 'options.heads');
    }
    Hq = heads.q;
    Hkv = heads.kv ?? heads.q;
    [B, Sq] = qs as [number, number, number];
    Sk = ks[1]!;
    if (qs[2]! % Hq !== 0) throw new ShapeError('ERR_HEADS', `q: last dimension ${qs[2]} is not a multiple of ${Hq} query heads`, 'q');
    if (ks[2]! % Hkv !== 0) throw new ShapeError('ERR_HEADS', `k: last dimension ${ks[2]} is not a multiple of ${Hkv} key/value heads`, 'k');
    if (vs[2]! % Hkv !== 0) throw new ShapeError('ERR_HEADS', `v: last dimension ${vs[2]} is not a multiple of ${Hkv} key/value heads`, 'v');
    Dk = qs[2]! / Hq;
    Dv = vs[2]! / Hkv;
    if (ks[2]! / Hkv !== Dk) throw new ShapeError('ERR_SHAPE', `k: shape ${fmtShape(ks)} gives head size ${ks[2]! / Hkv}, but q has Dk ${Dk}`, 'k');
    if (ks[0] !== B) throw new ShapeError('ERR_SHAPE', `k: shape ${fmtShape(ks)} does not match q ${fmtShape(qs)}: batch ${ks[0]} vs ${B}`, 'k');
    if (vs[0] !== B || vs[1] !== Sk) throw new ShapeError('ERR_SHAPE', `v: shape ${fmtShape(vs)} does not match k ${fmtShape(ks)}: expected [${B}, ${Sk}, ${Hkv}·Dv]`, 'v');
  } else {
    if (options.heads !== undefined) {
      const h = options.heads;
      if (typeof h !== 'object') {
        throw new AttnkitError('ERR_TYPE', `options.heads: expected { q, kv? }, got ${typeof h}`, 'options.heads');
      }
      if (h.q !== qs[1] || (h.kv !== undefined && h.kv !== ks[1])) {
        throw new OptionError('ERR_OPTION', `options.heads ${JSON.stringify(h)} disagrees with the rank-4 shapes q ${fmtShape(qs)}, k ${fmtShape(ks)}`, 'options.heads');
      }
    }
    [B, Hq, Sq, Dk] = qs as [number, number, number, number];
    Hkv = ks[1]!;
    Sk = ks[2]!;
    Dv = vs[3]!;
    if (ks[0] !== B) throw new ShapeError('ERR_SHAPE', `k: shape ${fmtShape(ks)} does not match q ${fmtShape(qs)}: batch ${ks[0]} vs ${B}`, 'k');
    if (ks[3] !== Dk) throw new ShapeError('ERR_SHAPE', `k: shape ${fmtShape(ks)} does not match q ${fmtShape(qs)}: Dk ${ks[3]} vs ${Dk}`, 'k');
    if (vs[0] !== B || vs[1] !== Hkv || vs[2] !== Sk) {
      throw new ShapeError('ERR_SHAPE', `v: shape ${fmtShape(vs)} does not match k ${fmtShape(ks)}: expected [${B}, ${Hkv}, ${Sk}, Dv]`, 'v');
    }
  }
  if (B < 1 || Hq < 1 || Hkv < 1 || Sq < 1 || Dk < 1 || Dv < 1) {
    // A shape with a zero dimension (other than the key length, which may be 0).
    throw new ShapeError('ERR_SHAPE', `q, k, v: batch, heads, query length and head sizes must be at least 1; got B=${B} Hq=${Hq} Hkv=${Hkv} Sq=${Sq} Dk=${Dk} Dv=${Dv}`, 'q');
  }
  if (Hq % Hkv !== 0) {
    throw new ShapeError('ERR_HEADS', `k: ${Hkv} key/value heads do not divide ${Hq} query heads (Hq must be a multiple of Hkv)`, 'k');
  }

  // Past key/value: always rank 4.
  let P = 0;
  let past: AttentionProblem['past'];
  if (options.past !== undefined) {
    const p = options.past;
    if (p === null || typeof p !== 'object') throw new AttnkitError('ERR_TYPE', 'options.past: expected { key, value } tensors', 'options.past');
    const pk = expectTensor(p.key, 'options.past.key', [4]);
    const pv = expectTensor(p.value, 'options.past.value', [4]);
    P = pk[2]!;
    if (pk[0] !== B || pk[1] !== Hkv || pk[3] !== Dk) {
      throw new ShapeError('ERR_SHAPE', `options.past.key: shape ${fmtShape(pk)}, expected [${B}, ${Hkv}, P, ${Dk}]`, 'options.past.key');
    }
    if (pv[0] !== B || pv[1] !== Hkv || pv[2] !== P || pv[3] !== Dv) {
      throw new ShapeError('ERR_SHAPE', `options.past.value: shape ${fmtShape(pv)}, expected [${B}, ${Hkv}, ${P}, ${Dv}]`, 'options.past.value');
    }
    past = { key: p.key.data, value: p.value.data };
  }
  const T = P + Sk;

  // What the call would allocate, checked before anything is allocated.
  const weights = options.weights ?? 'none';
  if (!WEIGHT_KINDS.includes(weights)) {
    throw new OptionError('ERR_OPTION', `options.weights: got ${JSON.stringify(weights)}, expected one of ${WEIGHT_KINDS.join(', ')}`, 'options.weights');
  }
  if (options.returnPresent !== undefined && typeof options.returnPresent !== 'boolean') {
    throw new OptionError('ERR_OPTION', `options.returnPresent: expected a boolean, got ${JSON.stringify(options.returnPresent)}`, 'options.returnPresent');
  }
  const returnPresent = options.returnPresent ?? past !== undefined;
  const limit = effectiveLimit(expectMaxBytes(options.maxBytes, 'options.maxBytes'), checks.maxBytes, checks.memory?.maxBytes);
  const dims = { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, kvLength: Sk, pastLength: P, keyLength: T, keyDim: Dk, valueDim: Dv, weights };
  expectWithinLimit('attention', attentionAllocations(dims, { packed, hasPast: past !== undefined, returnPresent }, checks.memory), limit);

  const squares = checks.finiteInputs !== false ? expectFiniteInputs(q, k, v, options) : undefined;

  const q4 = packed ? unpack(q.data, B, Sq, Hq, Dk) : q.data;
  const k4 = packed ? unpack(k.data, B, Sk, Hkv, Dk) : k.data;
  const v4 = packed ? unpack(v.data, B, Sk, Hkv, Dv) : v.data;
  const kAll = past ? concatSeq(past.key, k4, B * Hkv, P, Sk, Dk) : k4;
  const vAll = past ? concatSeq(past.value, v4, B * Hkv, P, Sk, Dv) : v4;

  // Scalars.
  let scale = 1 / Math.sqrt(Dk);
  if (options.scale !== undefined) {
    if (typeof options.scale !== 'number' || !Number.isFinite(options.scale) || options.scale <= 0) {
      throw new OptionError('ERR_OPTION', `options.scale: expected a finite number > 0, got ${String(options.scale)} (0 would ignore q, a negative scale inverts relevance; omit it for 1/sqrt(Dk))`, 'options.scale');
    }
    scale = options.scale;
  }
  let softcap = 0;
  if (options.softcap !== undefined) {
    if (typeof options.softcap !== 'number' || !Number.isFinite(options.softcap) || options.softcap < 0) {
      throw new OptionError('ERR_OPTION', `options.softcap: expected a finite number >= 0, got ${String(options.softcap)}`, 'options.softcap');
    }
    softcap = options.softcap;
  }
  if (options.causal !== undefined && typeof options.causal !== 'boolean') {
    throw new OptionError('ERR_OPTION', `options.causal: expected a boolean, got ${typeof options.causal}`, 'options.causal');
  }
  let window: AttentionProblem['window'];
  if (options.window !== undefined) {
    const w = options.window;
    if (w === null || typeof w !== 'object') throw new OptionError('ERR_OPTION', 'options.window: expected { left, right }', 'options.window');
    for (const side of ['left', 'right'] as const) {
      const x = w[side];
      if (typeof x !== 'number' || Number.isNaN(x) || x < 0 || (!Number.isInteger(x) && x !== Infinity)) {
        throw new OptionError('ERR_OPTION', `options.window.${side}: expected an integer >= 0 (or Infinity), got ${String(x)}`, `options.window.${side}`);
      }
    }
    window = { left: w.left, right: w.right };
  }
  if (options.keyLengths !== undefined && options.keyPadding !== undefined) {
    throw new OptionError('ERR_OPTION', 'options.keyPadding: cannot be combined with options.keyLengths; give one of them', 'options.keyPadding');
  }
  const lengthName = options.keyLengths !== undefined ? 'keyLengths' : 'keyPadding';
  const kl = options.keyLengths ?? options.keyPadding;
  let keyLengths: Int32Array | undefined;
  if (kl !== undefined) {
    if (!(kl instanceof Int32Array) && !Array.isArray(kl)) {
      throw new AttnkitError('ERR_TYPE', `options.${lengthName}: expected an Int32Array or an array of integers`, `options.${lengthName}`);
    }
    if (kl.length !== B) {
      throw new ShapeError('ERR_SHAPE', `options.${lengthName}: has ${kl.length} entries, expected one per batch (${B})`, `options.${lengthName}`);
    }
    if (past && lengthName === 'keyLengths') {
      throw new OptionError('ERR_OPTION', 'options.keyLengths: cannot be combined with options.past (as in ONNX); give the valid lengths of the whole cache without a past, or use keyPadding', 'options.keyLengths');
    }
    keyLengths = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const n = kl[b]!;
      if (!Number.isInteger(n) || n < 0 || n > T) {
        throw new AttnkitError('ERR_RANGE', `options.${lengthName}[${b}]: ${n} is outside the key length range 0..${T}`, `options.${lengthName}`);
      }
      keyLengths[b] = n;
    }
  }
  let graph: GraphAdjacency | undefined;
  if (options.graph !== undefined) graph = prepareGraph(options.graph, Sq, T);
  let alibi: Float32Array | undefined;
  if (options.alibi !== undefined) {
    const a = options.alibi;
    if (!(a instanceof Float32Array) && !Array.isArray(a)) {
      throw new AttnkitError('ERR_TYPE', 'options.alibi: expected a Float32Array or array of per-head slopes', 'options.alibi');
    }
    if (a.length !== Hq) throw new ShapeError('ERR_SHAPE', `options.alibi: has ${a.length} slopes, expected one per query head (${Hq})`, 'options.alibi');
    alibi = Float32Array.from(a as ArrayLike<number>);
    for (let h = 0; h < Hq; h++) {
      const slope = alibi[h]!;
      if (slope - slope !== 0) throw new AttnkitError('ERR_NON_FINITE', `options.alibi: element ${h} is ${slope}; expected finite numbers`, 'options.alibi');
      if (Math.abs(slope) * T > SCORE_LIMIT) {
        throw new AttnkitError('ERR_RANGE', `options.alibi: slope ${h} is ${slope}; over ${T} keys its bias reaches ${(Math.abs(slope) * T).toExponential(3)}, beyond float32's safe range (2^100)`, 'options.alibi');
      }
    }
  }
  const mask = options.mask === undefined ? undefined : resolveMask(options.mask, B, Hq, Sq, T);
  if (squares) expectRepresentable({ keyDim: Dk, keyLength: T, scale, q: q4, k: kAll, v: vAll }, squares);

  return {
    batch: B, qHeads: Hq, kvHeads: Hkv, group: Hq / Hkv, qLength: Sq, kvLength: Sk, pastLength: P, keyLength: T,
    keyDim: Dk, valueDim: Dv, q: q4, k: kAll, v: vAll, kvNew: { key: k4, value: v4 }, past,
    scale, softcap, causal: options.causal === true, window, mask, keyLengths,
    alignToKeyLengths: options.keyLengths !== undefined, graph, alibi, weights, returnPresent, packed,
  };
}

function isPosInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 1;
}

function resolveMask(mask: Mask, B: number, Hq: number, Sq: number, T: number): ResolvedMask {
  if (mask === null || typeof mask !== 'object' || (mask.kind !== 'bool' && mask.kind !== 'bias')) {
    throw new AttnkitError('ERR_TYPE', `options.mask: expected { kind: 'bool' | 'bias', shape, data }`, 'options.mask');
  }
  if (mask.kind === 'bool' && !(mask.data instanceof Uint8Array)) {
    throw new AttnkitError('ERR_TYPE', 'options.mask.data: a bool mask needs a Uint8Array (1 = may attend)', 'options.mask');
  }
  if (mask.kind === 'bias' && !(mask.data instanceof Float32Array)) {
    throw new AttnkitError('ERR_TYPE', 'options.mask.data: a bias mask needs a Float32Array', 'options.mask');
  }
  const shape = mask.shape;
  if (!Array.isArray(shape) || shape.length < 1 || shape.length > 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new ShapeError('ERR_MASK', `options.mask: shape ${Array.isArray(shape) ? fmtShape(shape) : String(shape)} must have rank 1 to 4 with positive dimensions, broadcastable to [${B}, ${Hq}, ${Sq}, ${T}]`, 'options.mask');
  }
  if (mask.data.length !== sizeOf(shape)) {
    throw new ShapeError('ERR_SHAPE', `options.mask: data has ${mask.data.length} elements but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`, 'options.mask');
  }
  const full = [1, 1, 1, 1];
  for (let i = 0; i < shape.length; i++) full[4 - shape.length + i] = shape[i]!;
  const target = [B, Hq, Sq, T];
  const names = ['batch', 'heads', 'query length', 'key length'];
  for (let a = 0; a < 3; a++) {
    if (full[a] !== 1 && full[a] !== target[a]) {
      throw new ShapeError('ERR_MASK', `options.mask: shape ${fmtShape(shape)} does not broadcast to [${target.join(', ')}]: ${names[a]} ${full[a]} vs ${target[a]}`, 'options.mask');
    }
  }
  if (full[3]! > T) {
    throw new ShapeError('ERR_MASK', `options.mask: shape ${fmtShape(shape)} does not broadcast to [${target.join(', ')}]: key length ${full[3]} > ${T}`, 'options.mask');
  }
  const strides: [number, number, number, number] = [0, 0, 0, 0];
  let s = 1;
  for (let a = 3; a >= 0; a--) {
    strides[a] = full[a] === 1 ? 0 : s;
    s *= full[a]!;
  }
  // Key axis of size 1 broadcasts (numpy rules); a key axis 1 < n < T covers the first n keys only.
  const keyExtent = full[3] === 1 ? T : full[3]!;
  if (mask.kind === 'bias') {
    const d = mask.data as Float32Array;
    for (let i = 0; i < d.length; i++) {
      const x = d[i]!;
      if (Number.isNaN(x) || x === Infinity) {
        throw new AttnkitError('ERR_NON_FINITE', `options.mask: element ${i} is ${x}; a bias mask takes finite numbers or -Infinity`, 'options.mask');
      }
    }
  }
  return { kind: mask.kind, data: mask.data, shape: [...shape], strides, keyExtent };
}

function prepareGraph(g: { readonly edges: Int32Array | readonly number[] }, Sq: number, T: number): GraphAdjacency {
  const e = g?.edges;
  if (!(e instanceof Int32Array) && !Array.isArray(e)) {
    throw new AttnkitError('ERR_TYPE', 'options.graph.edges: expected an Int32Array (or array) of (query, key) pairs', 'options.graph.edges');
  }
  if (e.length % 2 !== 0) {
    throw new ShapeError('ERR_SHAPE', `options.graph.edges: has ${e.length} numbers, expected pairs (an even count)`, 'options.graph.edges');
  }
  const edges = Int32Array.from(e as ArrayLike<number>);
  const counts = new Int32Array(Sq + 1);
  for (let i = 0; i < edges.length; i += 2) {
    const a = (e as ArrayLike<number>)[i]!, b = (e as ArrayLike<number>)[i + 1]!;
    if (!Number.isInteger(a) || a < 0 || a >= Sq) {
      throw new AttnkitError('ERR_RANGE', `options.graph.edges: edge ${i / 2} has query node ${a}, expected 0..${Sq - 1}`, 'options.graph.edges');
    }
    if (!Number.isInteger(b) || b < 0 || b >= T) {
      throw new AttnkitError('ERR_RANGE', `options.graph.edges: edge ${i / 2} has key node ${b}, expected 0..${T - 1}`, 'options.graph.edges');
    }
    counts[a + 1]!++;
  }
  for (let i = 0; i < Sq; i++) counts[i + 1]! += counts[i]!;
  const fill = counts.slice(0, Sq);
  const raw = new Int32Array(edges.length / 2);
  for (let i = 0; i < edges.length; i += 2) raw[fill[edges[i]!]!++] = edges[i + 1]!;
  // Sort and de-duplicate each row.
  const offsets = new Int32Array(Sq + 1);
  const keys: number[] = [];
  for (let i = 0; i < Sq; i++) {
    const row = Array.from(raw.subarray(counts[i]!, counts[i + 1]!)).sort((x, y) => x - y);
    for (let j = 0; j < row.length; j++) if (j === 0 || row[j] !== row[j - 1]) keys.push(row[j]!);
    offsets[i + 1] = keys.length;
  }
  return { edges, offsets, keys: Int32Array.from(keys) };
}

/**
 * Throws `ERR_NON_FINITE`, naming the tensor and the element, for the first NaN or ±Infinity in `q`, `k`,
 * `v` or `options.past`, in that order: the check {@link prepareAttention} makes unless told not to.
 * Returns the sums of squares (k and v with the past), which bound the magnitudes for the range rule.
 * Call it only on arguments `prepareAttention` has accepted.
 */
export function expectFiniteInputs(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): InputSquares {
  const sq = sumOfSquares(q.data, 'q');
  let sk = sumOfSquares(k.data, 'k');
  let sv = sumOfSquares(v.data, 'v');
  if (options.past) {
    sk += sumOfSquares(options.past.key.data, 'options.past.key');
    sv += sumOfSquares(options.past.value.data, 'options.past.value');
  }
  return { q: sq, k: sk, v: sv };
}
