/**
 * Public attention types.
 *
 * Shape legend (used everywhere in attnkit):
 * - `B`   batch
 * - `Hq`  query heads; `Hkv` key/value heads (`Hq % Hkv == 0`; `Hkv < Hq` is grouped-query attention)
 * - `Sq`  query length; `Sk` key length of this call; `P` past (cached) length; `T = P + Sk` total key length
 * - `Dk`  query/key head size; `Dv` value head size
 *
 * Layouts: rank 4 `[B, H, S, D]`, or packed rank 3 `[B, S, H·D]` with `options.heads` given.
 * Past and present key/value are always rank 4 `[B, Hkv, P, D]` (as in ONNX).
 */
import type { Tensor } from './tensor.js';
import type { AnyTensor, DType } from './half-tensor.js';
import type { Relevance } from './additive-relevance.js';
import type { ResidentTensor } from './resident.js';

/** Boolean mask: `1` (true) = the query may attend to the key. Broadcasts to `[B, Hq, Sq, T]`. */
export interface BoolMask {
  /** `'bool'`: tells it from a {@link BiasMask}. */
  readonly kind: 'bool';
  /**
   * Rank 1 to 4, right-aligned against `[B, Hq, Sq, T]` (numpy broadcasting): each axis is `1` (broadcast) or
   * the full size, except the last, which may be shorter than `T` (the keys beyond it are masked).
   */
  readonly shape: readonly number[];
  /** Row-major values of `shape`: nonzero = may attend, `0` = masked. */
  readonly data: Uint8Array;
}

/** Additive mask (bias) added to the scaled scores; `-Infinity` masks. Broadcasts to `[B, Hq, Sq, T]`. */
export interface BiasMask {
  /** `'bias'`: tells it from a {@link BoolMask}. */
  readonly kind: 'bias';
  /** Broadcast to `[B, Hq, Sq, T]` as a {@link BoolMask.shape} is (a last axis shorter than `T` masks the rest). */
  readonly shape: readonly number[];
  /** Row-major values of `shape`, added to the scaled scores: finite, or `-Infinity` to mask (NaN is refused). */
  readonly data: Float32Array;
}

/** Either kind of mask. A mask whose last dimension is shorter than `T` masks the keys beyond it. */
export type Mask = BoolMask | BiasMask;

/**
 * Which attention map to return, `[B, Hq, Sq, T]` (the attention weights α of every query and key):
 * - `scores`: scaled scores `scale · q·k` (or the additive scores `w_hᵀ·tanh(q_i + k_j)`);
 * - `softcapped`: after the softcap;
 * - `masked`: after every mask and bias (masked entries are `-Infinity`);
 * - `probs`: after the softmax (rows with nothing to attend to are zeros).
 */
export type AttentionMapKind = 'none' | 'scores' | 'softcapped' | 'masked' | 'probs';

/** One row of each stage an attention map can show (see {@link AttentionMapKind}). */
export interface AttentionMapStages<T> {
  /** The scaled scores, before the softcap. */
  readonly scores: T;
  /** The scores after the softcap (the same as `scores` without one). */
  readonly softcapped: T;
  /** After every mask and bias: masked entries are `-Infinity`. */
  readonly masked: T;
  /** After the softmax: the attention weights (zeros for a row with nothing to attend to). */
  readonly probs: T;
}

/**
 * The stage `kind` names: what a backend copies into the attention map it returns (`probs` for `none`, which
 * returns no map).
 *
 * @example
 * ```ts
 * map.set(attentionMapStage(problem.attentionMap, { scores, softcapped, masked, probs }), row * T);
 * ```
 */
export function attentionMapStage<T>(kind: AttentionMapKind, stages: AttentionMapStages<T>): T {
  return kind === 'none' ? stages.probs : stages[kind];
}

/** @deprecated The former name of {@link AttentionMapKind}. */
export type WeightsKind = AttentionMapKind;

/** Head counts, required for the packed rank-3 layout `[B, S, H·D]`. */
export interface HeadCounts {
  /** Query heads `Hq`. */
  readonly q: number;
  /** Key/value heads `Hkv` (defaults to `q`). */
  readonly kv?: number;
}

/**
 * Options of one attention call. Semantics follow the ONNX `Attention` operator (opset 23/24),
 * extended with a local window, graph adjacency and ALiBi.
 */
export interface AttentionOptions {
  /** Head counts; required when q, k, v are packed `[B, S, H·D]`. */
  readonly heads?: HeadCounts;
  /** Score scale; default `1/sqrt(Dk)`. Not allowed with additive relevance (which has no scale). */
  readonly scale?: number;
  /**
   * How relevance is computed: `'dot'` (default: `scale · q·k`) or `{ kind: 'additive', weights }`
   * (`Σ_d w[h, d] · tanh(q_i[d] + k_j[d])`, weights `[Hq, Dk]`). Softcap, masks, causal, window, graph, key
   * lengths and ALiBi apply to either. Needs the `additive` capability.
   */
  readonly relevance?: Relevance;
  /** Softcap `c > 0`: scores become `c·tanh(s/c)` before masking. `0` or absent: none. */
  readonly softcap?: number;
  /**
   * Causal masking: query `i` sees key `j` only if `j <= i + offset`. The offset is `0` without a cache
   * (top-left aligned), the past length with `past`, and `keyLengths[b] - Sq` with `keyLengths`.
   */
  readonly causal?: boolean;
  /**
   * Local (truncated) attention: query `i` sees key `j` only if `i + offset - left <= j <= i + offset + right`,
   * with the same offset as `causal`. Combine with `causal` for a left-only window.
   */
  readonly window?: {
    /** How many keys before the query's position it sees: an integer `>= 0`, or `Infinity`. */
    readonly left: number;
    /** How many keys after the query's position it sees: an integer `>= 0`, or `Infinity` (`causal` hides these). */
    readonly right: number;
  };
  /** Boolean or additive mask, broadcast to `[B, Hq, Sq, T]`. */
  readonly mask?: Mask;
  /**
   * Per-batch number of valid keys (`0..T`); keys at or beyond it are masked. As in ONNX (`nonpad_kv_seqlen`),
   * this also moves the causal/window alignment to `keyLengths[b] - Sq` (the queries are the last valid
   * positions, as in decoding). Cannot be combined with `past` or `keyPadding`.
   */
  readonly keyLengths?: Int32Array | readonly number[];
  /**
   * Per-batch number of valid keys (`0..T`) for padded batches of self-attention (encoders): keys at or
   * beyond it are masked, and the causal/window alignment is left as it is (top-left).
   */
  readonly keyPadding?: Int32Array | readonly number[];
  /**
   * Graph attention: `edges` holds pairs `(query node, key node)`; a query attends only to its listed keys
   * (the adjacency matrix is the mask). Shared by every batch and head.
   */
  readonly graph?: {
    /**
     * Flat `(query, key)` pairs, `[q0, k0, q1, k1, ...]`: queries in `0..Sq-1`, keys in `0..T-1`. Order does
     * not matter and duplicates count once; a query without an edge attends to nothing (its output is zeros).
     */
    readonly edges: Int32Array | readonly number[];
  };
  /**
   * ALiBi: one slope per query head; adds `-slope[h] · |i + offset - j|` to the scores
   * (a symmetric linear distance bias, computed on the fly).
   */
  readonly alibi?: Float32Array | readonly number[];
  /** Cached keys/values `[B, Hkv, P, Dk|Dv]`, concatenated in front of k/v. */
  readonly past?: {
    /** Cached keys `[B, Hkv, P, Dk]`, in the inputs' dtype. */
    readonly key: AnyTensor;
    /** Cached values `[B, Hkv, P, Dv]`, in the inputs' dtype. */
    readonly value: AnyTensor;
  };
  /** Return `present` (past concatenated with this call's keys/values). Default: true when `past` is given. */
  readonly returnPresent?: boolean;
  /** Which attention map to return (`[B, Hq, Sq, T]`); default `none`. */
  readonly attentionMap?: AttentionMapKind;
  /** @deprecated The former name of {@link AttentionOptions.attentionMap}; give `attentionMap` instead. */
  readonly weights?: AttentionMapKind;
  /**
   * The most this call may allocate, in bytes (output, attention map, present and the backend's working memory),
   * overriding the backend's `maxBytes`. Beyond it the call throws `ERR_TOO_LARGE` before allocating.
   */
  readonly maxBytes?: number;
  /**
   * The dtype of the output, the attention map and `present`; default: the inputs' dtype. float16 inputs
   * (q, k, v and the past share one dtype) are computed in float32 by every backend and narrowed once, at
   * the end; `'float32'` returns the float32 result before that rounding.
   */
  readonly outputDtype?: DType;
}

/**
 * Result of one attention call: float32 tensors for float32 inputs; for float16 inputs, float16 tensors
 * unless `outputDtype: 'float32'` was asked for.
 */
export interface AttentionResult<T extends AnyTensor | ResidentTensor = Tensor> {
  /** Output in the layout of q: `[B, Hq, Sq, Dv]` or `[B, Sq, Hq·Dv]`. */
  readonly output: T;
  /** Past concatenated with this call's keys/values, `[B, Hkv, T, D]`, when requested. */
  readonly present?: {
    /** Keys `[B, Hkv, T, Dk]`: the past's `P`, then this call's `Sk`. */
    readonly key: T;
    /** Values `[B, Hkv, T, Dv]`, in the same order. */
    readonly value: T;
  };
  /** The attention map `[B, Hq, Sq, T]` of the requested kind. */
  readonly attentionMap?: T;
  /** @deprecated The former name of {@link AttentionResult.attentionMap} (the same tensor). */
  readonly weights?: T;
}

/**
 * Creates a boolean mask (`true`/`1` = may attend).
 *
 * @example
 * ```ts
 * const m = boolMask([1, 1, 0, 1], [2, 2]); // broadcast over batch and heads
 * ```
 */
export function boolMask(data: Uint8Array | readonly (boolean | number)[], shape: readonly number[]): BoolMask {
  const arr = data instanceof Uint8Array ? data : Uint8Array.from(data, (x) => (x ? 1 : 0));
  return { kind: 'bool', shape: [...shape], data: arr };
}

/** Creates an additive (bias) mask. */
export function biasMask(data: Float32Array | readonly number[], shape: readonly number[]): BiasMask {
  const arr = data instanceof Float32Array ? data : Float32Array.from(data);
  return { kind: 'bias', shape: [...shape], data: arr };
}
