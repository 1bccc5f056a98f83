/**
 * The options of one attention call resolved against its sizes, without its data: every default filled in,
 * every value checked, the mask's strides and the graph's rows built, and the memory limit applied. This is
 * the part of validation a backend also needs for attention it computes on data of its own (an encoder
 * layer on the GPU): `prepareAttention` is this plus the tensors.
 *
 * Shape legend: B batch, Hq/Hkv query/key-value heads, Sq query length, Sk this call's key length,
 * P past length, T = P + Sk total key length, Dk query/key head size, Dv value head size.
 */
import { AttnkitError, OptionError, ShapeError, fmtShape } from './errors.js';
import { expectKnownOptions } from './option-keys.js';
import { sizeOf } from './tensor.js';
import type { AttentionOptions, Mask, AttentionMapKind } from './attention-options.js';
import { SCORE_LIMIT } from './input-scan.js';
import type { DType } from './half-tensor.js';
import { resolveRelevance } from './additive-relevance.js';
import {
  attentionAllocations,
  effectiveLimit,
  expectMaxBytes,
  expectWithinLimit,
  type AttentionDims,
  type MemoryModel,
} from './limits.js';

/** A mask resolved against the problem's shape: element strides over `[B, Hq, Sq, T]` (0 = broadcast). */
export interface ResolvedMask {
  /** `bool`: `data` is nonzero (may attend) or 0 (masked); `bias`: added to the scaled scores (`-Infinity` masks). */
  readonly kind: 'bool' | 'bias';
  /**
   * The mask's values, row-major in its original {@link ResolvedMask.shape}: the caller's own array (not a
   * copy), so read it and never write it. A bias holds finite numbers or `-Infinity`.
   */
  readonly data: Uint8Array | Float32Array;
  /** Original mask shape. */
  readonly shape: readonly number[];
  /**
   * Element strides into `data` for the axes `[B, Hq, Sq, T]` (the shape right-aligned to rank 4, as numpy
   * broadcasts): the value of batch `b`, head `h`, query `i`, key `j < keyExtent` is
   * `data[b·s0 + h·s1 + i·s2 + j·s3]`; `0` on an axis of size 1.
   */
  readonly strides: readonly [number, number, number, number];
  /** Keys `j >= keyExtent` are masked (a mask shorter than `T` is padded with "masked"). */
  readonly keyExtent: number;
}

/** Graph adjacency in compressed rows: the keys of query `i` are `keys[offsets[i] .. offsets[i+1])`, sorted, unique. */
export interface GraphAdjacency {
  /** The `(query, key)` pairs as given (a copy, order and duplicates kept), `2·E` integers. */
  readonly edges: Int32Array;
  /** Row starts into `keys`, `[Sq + 1]`: `offsets[0] = 0` and `offsets[Sq]` is the number of distinct edges. */
  readonly offsets: Int32Array;
  /** The key indices (`0..T-1`) of every query row, concatenated in row order; sorted and unique within a row. */
  readonly keys: Int32Array;
}

/** The sizes of a call, as its tensors give them (`T` and the attention map follow from these and the options). */
export interface AttentionShape extends Omit<AttentionDims, 'keyLength' | 'attentionMap'> {
  /** A past was given (even an empty one): `present` is returned by default. */
  readonly hasPast: boolean;
  /** The caller used the packed `[B, S, H·D]` layout. */
  readonly packed: boolean;
  /** The inputs' dtype (default `float32`). */
  readonly dtype?: DType;
}

/** A call's sizes and resolved options: everything of an {@link AttentionProblem} but its arrays. */
export interface AttentionSetup extends AttentionDims {
  /** `Hq / Hkv`: query head `h` uses key/value head `floor(h / group)`. */
  readonly group: number;
  /** `1` with additive relevance (which has no scale). */
  readonly scale: number;
  /** Additive relevance weights `[Hq, Dk]`, or `undefined` for the dot product. */
  readonly additive: Float32Array | undefined;
  /** `0` = no softcap. */
  readonly softcap: number;
  /**
   * Causal masking (`options.causal`, default `false`): query `i` of batch `b` sees key `j` only when
   * `j <= i + queryOffset[b]`.
   */
  readonly causal: boolean;
  /**
   * The local window (`options.window`), `undefined` without one: query `i` of batch `b` sees key `j` only
   * when `i + queryOffset[b] - left <= j <= i + queryOffset[b] + right`.
   */
  readonly window:
    | {
        /** Keys before the query's own position it may see: an integer `>= 0`, or `Infinity`. */
        readonly left: number;
        /** Keys after the query's own position it may see: an integer `>= 0`, or `Infinity`. */
        readonly right: number;
      }
    | undefined;
  /** `options.mask` resolved against `[B, Hq, Sq, T]`, or `undefined` without a mask. */
  readonly mask: ResolvedMask | undefined;
  /** Valid keys per batch, from `keyLengths` or `keyPadding`: keys at or beyond are masked. */
  readonly validKeys: Int32Array | undefined;
  /**
   * Where query 0 of each batch sits among the keys, `[B]`: the alignment of causal masking, windows and
   * ALiBi. `keyLengths[b] - Sq` with `keyLengths` (decoding: the queries are the last valid positions),
   * else the past length `P` (0 without a cache: top-left).
   */
  readonly queryOffset: Int32Array;
  /** `options.graph` in compressed rows, shared by every batch and head; `undefined` without a graph. */
  readonly graph: GraphAdjacency | undefined;
  /**
   * ALiBi slopes `[Hq]` (a float32 copy of `options.alibi`), or `undefined`: the score of query `i` and key
   * `j` in head `h` gets `-alibi[h] · |i + queryOffset[b] - j|`.
   */
  readonly alibi: Float32Array | undefined;
  /** Whether the call returns `present` (`options.returnPresent`; default `true` when a past was given). */
  readonly returnPresent: boolean;
  /** The caller used the packed `[B, S, H·D]` layout (core converts back). */
  readonly packed: boolean;
  /**
   * The inputs' dtype. The problem's arrays are float32 either way (core widens float16 inputs exactly;
   * for a kernel that declares `takesHalves`, when first read); a kernel with float16 storage may narrow
   * them back losslessly, or read the caller's bits from `AttentionProblem.halves`.
   */
  readonly dtype: DType;
  /** The dtype of the result (`options.outputDtype`, default {@link AttentionSetup.dtype}). */
  readonly outputDtype: DType;
}

/** Limits that apply while resolving (see `limits.ts`). */
export interface SetupLimits {
  /** The backend's memory limit in bytes (`options.maxBytes` overrides it); default `defaultMaxBytes()`. */
  readonly maxBytes?: number | undefined;
  /** The backend's working memory and hard cap, counted against the limit. */
  readonly memory?: MemoryModel | undefined;
  /**
   * The kernel takes float16 inputs as half bits (`BackendKernels.takesHalves`): a float16 call in the
   * canonical layout (rank 4, no past) then counts no float32 copies of them.
   */
  readonly halves?: boolean | undefined;
}

/** The names of every attention option (`weights` is the former name of `attentionMap`). */
export const ATTENTION_OPTION_NAMES: readonly (keyof AttentionOptions)[] = [
  'heads',
  'scale',
  'relevance',
  'softcap',
  'causal',
  'window',
  'mask',
  'keyLengths',
  'keyPadding',
  'graph',
  'alibi',
  'past',
  'returnPresent',
  'attentionMap',
  'weights',
  'maxBytes',
  'outputDtype',
];
const KNOWN_OPTIONS = new Set<string>(ATTENTION_OPTION_NAMES);
const MAP_KINDS: readonly AttentionMapKind[] = ['none', 'scores', 'softcapped', 'masked', 'probs'];

/** Checks that `options` is an object of known options, none of them `null`. */
export function expectOptionsObject(options: unknown): asserts options is AttentionOptions {
  if (options === null || typeof options !== 'object') {
    throw new AttnkitError(
      'ERR_TYPE',
      `options: expected an object, got ${options === null ? 'null' : typeof options}`,
      'options',
    );
  }
  expectKnownOptions(options, KNOWN_OPTIONS);
}

/**
 * Resolves `options` for a call of `shape`. Throws an {@link AttnkitError} naming the option, what it got
 * and what was expected, or a `SizeError` when the call would allocate beyond the limit.
 *
 * @example
 * ```ts
 * const setup = resolveAttention(
 *   { batch: 1, qHeads: 4, kvHeads: 4, qLength: 100, kvLength: 100, pastLength: 0, keyDim: 16, valueDim: 16, hasPast: false, packed: false },
 *   { window: { left: 16, right: 16 } },
 * );
 * ```
 */
export function resolveAttention(
  shape: AttentionShape,
  options: AttentionOptions = {},
  limits: SetupLimits = {},
): AttentionSetup {
  expectOptionsObject(options);
  const { hasPast, packed, dtype = 'float32', ...sizes } = shape;
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, pastLength: P, keyDim: Dk } = sizes;
  const T = P + sizes.kvLength;
  const checks = limits;
  // What the call would allocate, checked before anything is allocated.
  // `weights` is the deprecated name of `attentionMap` (the word also names a model's parameters); it is
  // still read here, and only here.
  // oxlint-disable-next-line typescript/no-deprecated -- the one place that honours the former name
  const formerName = options.weights;
  if (options.attentionMap !== undefined && formerName !== undefined) {
    throw new OptionError(
      'ERR_OPTION',
      'options.weights: the former name of options.attentionMap; give only attentionMap',
      'options.weights',
    );
  }
  const mapName = formerName !== undefined ? 'weights' : 'attentionMap';
  const attentionMap = options.attentionMap ?? formerName ?? 'none';
  if (!MAP_KINDS.includes(attentionMap)) {
    throw new OptionError(
      'ERR_OPTION',
      `options.${mapName}: got ${JSON.stringify(attentionMap)}, expected one of ${MAP_KINDS.join(', ')}`,
      `options.${mapName}`,
    );
  }
  if (options.returnPresent !== undefined && typeof options.returnPresent !== 'boolean') {
    throw new OptionError(
      'ERR_OPTION',
      `options.returnPresent: expected a boolean, got ${JSON.stringify(options.returnPresent)}`,
      'options.returnPresent',
    );
  }
  const returnPresent = options.returnPresent ?? hasPast;
  const limit = effectiveLimit(
    expectMaxBytes(options.maxBytes, 'options.maxBytes'),
    checks.maxBytes,
    checks.memory?.maxBytes,
  );
  const additiveCall = options.relevance !== undefined && options.relevance !== 'dot';
  const dims: AttentionDims = {
    ...sizes,
    keyLength: T,
    attentionMap,
    ...(additiveCall ? { additiveRelevance: true } : {}),
    ...(checks.halves === true && dtype === 'float16' && !packed && !hasPast ? { halfInputs: true } : {}),
  };
  expectWithinLimit(
    'attention',
    attentionAllocations(dims, { packed, hasPast, returnPresent, half: dtype === 'float16' }, checks.memory),
    limit,
  );

  // Scalars.
  const additive = resolveRelevance(options.relevance, options.scale !== undefined, Hq, Dk);
  let scale = additive ? 1 : 1 / Math.sqrt(Dk);
  if (options.scale !== undefined) {
    if (typeof options.scale !== 'number' || !Number.isFinite(options.scale) || options.scale <= 0) {
      throw new OptionError(
        'ERR_OPTION',
        `options.scale: expected a finite number > 0, got ${String(options.scale)} (0 would ignore q, a negative scale inverts relevance; omit it for 1/sqrt(Dk))`,
        'options.scale',
      );
    }
    scale = options.scale;
  }
  let softcap = 0;
  if (options.softcap !== undefined) {
    if (typeof options.softcap !== 'number' || !Number.isFinite(options.softcap) || options.softcap < 0) {
      throw new OptionError(
        'ERR_OPTION',
        `options.softcap: expected a finite number >= 0, got ${String(options.softcap)}`,
        'options.softcap',
      );
    }
    softcap = options.softcap;
  }
  if (options.causal !== undefined && typeof options.causal !== 'boolean') {
    throw new OptionError(
      'ERR_OPTION',
      `options.causal: expected a boolean, got ${typeof options.causal}`,
      'options.causal',
    );
  }
  let window: AttentionSetup['window'];
  if (options.window !== undefined) {
    const w = options.window;
    if (w === null || typeof w !== 'object')
      throw new OptionError('ERR_OPTION', 'options.window: expected { left, right }', 'options.window');
    for (const side of ['left', 'right'] as const) {
      const x = w[side];
      if (typeof x !== 'number' || Number.isNaN(x) || x < 0 || (!Number.isInteger(x) && x !== Infinity)) {
        throw new OptionError(
          'ERR_OPTION',
          `options.window.${side}: expected an integer >= 0 (or Infinity), got ${String(x)}`,
          `options.window.${side}`,
        );
      }
    }
    window = { left: w.left, right: w.right };
  }
  if (options.keyLengths !== undefined && options.keyPadding !== undefined) {
    throw new OptionError(
      'ERR_OPTION',
      'options.keyPadding: cannot be combined with options.keyLengths; give one of them',
      'options.keyPadding',
    );
  }
  const lengthName = options.keyLengths !== undefined ? 'keyLengths' : 'keyPadding';
  const kl = options.keyLengths ?? options.keyPadding;
  let validKeys: Int32Array | undefined;
  if (kl !== undefined) {
    if (!(kl instanceof Int32Array) && !Array.isArray(kl)) {
      throw new AttnkitError(
        'ERR_TYPE',
        `options.${lengthName}: expected an Int32Array or an array of integers`,
        `options.${lengthName}`,
      );
    }
    if (kl.length !== B) {
      throw new ShapeError(
        'ERR_SHAPE',
        `options.${lengthName}: has ${kl.length} entries, expected one per batch (${B})`,
        `options.${lengthName}`,
      );
    }
    if (hasPast && lengthName === 'keyLengths') {
      throw new OptionError(
        'ERR_OPTION',
        'options.keyLengths: cannot be combined with options.past (as in ONNX); give the valid lengths of the whole cache without a past, or use keyPadding',
        'options.keyLengths',
      );
    }
    validKeys = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const n = kl[b]!;
      if (!Number.isInteger(n) || n < 0 || n > T) {
        throw new AttnkitError(
          'ERR_RANGE',
          `options.${lengthName}[${b}]: ${n} is outside the key length range 0..${T}`,
          `options.${lengthName}`,
        );
      }
      validKeys[b] = n;
    }
  }
  let graph: GraphAdjacency | undefined;
  if (options.graph !== undefined) graph = prepareGraph(options.graph, Sq, T);
  let alibi: Float32Array | undefined;
  if (options.alibi !== undefined) {
    const a = options.alibi;
    if (!(a instanceof Float32Array) && !Array.isArray(a)) {
      throw new AttnkitError(
        'ERR_TYPE',
        'options.alibi: expected a Float32Array or array of per-head slopes',
        'options.alibi',
      );
    }
    if (a.length !== Hq)
      throw new ShapeError(
        'ERR_SHAPE',
        `options.alibi: has ${a.length} slopes, expected one per query head (${Hq})`,
        'options.alibi',
      );
    alibi = Float32Array.from(a as ArrayLike<number>);
    for (let h = 0; h < Hq; h++) {
      const slope = alibi[h]!;
      if (slope - slope !== 0)
        throw new AttnkitError(
          'ERR_NON_FINITE',
          `options.alibi: element ${h} is ${slope}; expected finite numbers`,
          'options.alibi',
        );
      if (Math.abs(slope) * T > SCORE_LIMIT) {
        throw new AttnkitError(
          'ERR_RANGE',
          `options.alibi: slope ${h} is ${slope}; over ${T} keys its bias reaches ${(Math.abs(slope) * T).toExponential(3)}, beyond float32's safe range (2^100)`,
          'options.alibi',
        );
      }
    }
  }
  const mask = options.mask === undefined ? undefined : resolveMask(options.mask, B, Hq, Sq, T);
  const queryOffset = new Int32Array(B);
  for (let b = 0; b < B; b++) queryOffset[b] = options.keyLengths !== undefined ? validKeys![b]! - Sq : P;
  return {
    ...dims,
    group: Hq / Hkv,
    scale,
    additive,
    softcap,
    causal: options.causal === true,
    window,
    mask,
    validKeys,
    queryOffset,
    graph,
    alibi,
    returnPresent,
    packed,
    dtype,
    outputDtype: resolveOutputDtype(options.outputDtype, dtype),
  };
}

function resolveOutputDtype(given: unknown, dtype: DType): DType {
  if (given === undefined) return dtype;
  if (given === 'float32' || given === 'float16') return given;
  throw new OptionError(
    'ERR_OPTION',
    `options.outputDtype: expected 'float32' or 'float16', got ${JSON.stringify(given)}`,
    'options.outputDtype',
  );
}

function resolveMask(mask: Mask, B: number, Hq: number, Sq: number, T: number): ResolvedMask {
  if (mask === null || typeof mask !== 'object' || (mask.kind !== 'bool' && mask.kind !== 'bias')) {
    throw new AttnkitError('ERR_TYPE', `options.mask: expected { kind: 'bool' | 'bias', shape, data }`, 'options.mask');
  }
  if (mask.kind === 'bool' && !(mask.data instanceof Uint8Array)) {
    throw new AttnkitError(
      'ERR_TYPE',
      'options.mask.data: a bool mask needs a Uint8Array (1 = may attend)',
      'options.mask',
    );
  }
  if (mask.kind === 'bias' && !(mask.data instanceof Float32Array)) {
    throw new AttnkitError('ERR_TYPE', 'options.mask.data: a bias mask needs a Float32Array', 'options.mask');
  }
  const shape = mask.shape;
  if (
    !Array.isArray(shape) ||
    shape.length < 1 ||
    shape.length > 4 ||
    shape.some((d) => !Number.isInteger(d) || d < 1)
  ) {
    throw new ShapeError(
      'ERR_MASK',
      `options.mask: shape ${Array.isArray(shape) ? fmtShape(shape) : String(shape)} must have rank 1 to 4 with positive dimensions, broadcastable to [${B}, ${Hq}, ${Sq}, ${T}]`,
      'options.mask',
    );
  }
  if (mask.data.length !== sizeOf(shape)) {
    throw new ShapeError(
      'ERR_SHAPE',
      `options.mask: data has ${mask.data.length} elements but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`,
      'options.mask',
    );
  }
  const full = [1, 1, 1, 1];
  for (let i = 0; i < shape.length; i++) full[4 - shape.length + i] = shape[i]!;
  const target = [B, Hq, Sq, T];
  const names = ['batch', 'heads', 'query length', 'key length'];
  for (let a = 0; a < 3; a++) {
    if (full[a] !== 1 && full[a] !== target[a]) {
      throw new ShapeError(
        'ERR_MASK',
        `options.mask: shape ${fmtShape(shape)} does not broadcast to [${target.join(', ')}]: ${names[a]} ${full[a]} vs ${target[a]}`,
        'options.mask',
      );
    }
  }
  if (full[3]! > T) {
    throw new ShapeError(
      'ERR_MASK',
      `options.mask: shape ${fmtShape(shape)} does not broadcast to [${target.join(', ')}]: key length ${full[3]} > ${T}`,
      'options.mask',
    );
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
        throw new AttnkitError(
          'ERR_NON_FINITE',
          `options.mask: element ${i} is ${x}; a bias mask takes finite numbers or -Infinity`,
          'options.mask',
        );
      }
    }
  }
  return { kind: mask.kind, data: mask.data, shape: [...shape], strides, keyExtent };
}

function prepareGraph(g: { readonly edges: Int32Array | readonly number[] }, Sq: number, T: number): GraphAdjacency {
  const e = g?.edges;
  if (!(e instanceof Int32Array) && !Array.isArray(e)) {
    throw new AttnkitError(
      'ERR_TYPE',
      'options.graph.edges: expected an Int32Array (or array) of (query, key) pairs',
      'options.graph.edges',
    );
  }
  if (e.length % 2 !== 0) {
    throw new ShapeError(
      'ERR_SHAPE',
      `options.graph.edges: has ${e.length} numbers, expected pairs (an even count)`,
      'options.graph.edges',
    );
  }
  const edges = Int32Array.from(e as ArrayLike<number>);
  const counts = new Int32Array(Sq + 1);
  for (let i = 0; i < edges.length; i += 2) {
    const a = (e as ArrayLike<number>)[i]!,
      b = (e as ArrayLike<number>)[i + 1]!;
    if (!Number.isInteger(a) || a < 0 || a >= Sq) {
      throw new AttnkitError(
        'ERR_RANGE',
        `options.graph.edges: edge ${i / 2} has query node ${a}, expected 0..${Sq - 1}`,
        'options.graph.edges',
      );
    }
    if (!Number.isInteger(b) || b < 0 || b >= T) {
      throw new AttnkitError(
        'ERR_RANGE',
        `options.graph.edges: edge ${i / 2} has key node ${b}, expected 0..${T - 1}`,
        'options.graph.edges',
      );
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
