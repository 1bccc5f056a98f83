/**
 * Translates a validated {@link AttentionProblem} into an attention graph signature and its feeds.
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, Sk keys of this call, P past length, T = P + Sk,
 * Dk/Dv head sizes; Bb ∈ {1, B} and Hb ∈ {1, Hq} the bias's batch and head extents.
 *
 * Keys and values are passed with the past already in front (core concatenates it once; `present` is
 * core's), so the graph never takes `past_key`.
 *
 * Native path: what the `Attention` operator expresses itself (scale, softcap, causal, bool or additive
 * masks over all `Sq × T` scores, `keyLengths` as `nonpad_kv_seqlen`, grouped heads, weights).
 * Bias path: everything else (window, graph, ALiBi, `keyPadding` with causal alignment, masks that
 * broadcast over queries or are shorter than `T`, causal over a past with `Sk ≠ Sq`, the `masked`
 * weights) becomes one additive bias `[Bb, Hb, Sq, T]` built from core's semantics
 * (core's `writeDenseBias`), with `-Infinity` for hidden keys; the operator then only scales, softcaps and
 * adds it.
 */
import {
  biasExtents,
  causalOffset,
  float16Bits,
  hasMasking,
  writeDenseBias,
  type AttentionProblem,
  type ResolvedMask,
} from '@attnkit/core';
import type { ScratchPool } from './scratch-pool.js';
import type { AttentionSignature } from './attention-graph.js';

/** One input of the attention graph. */
export interface Feed {
  readonly name: string;
  readonly type: 'float32' | 'float16' | 'bool' | 'int64';
  readonly data: Float32Array | Uint16Array | Uint8Array | BigInt64Array;
  readonly dims: readonly number[];
}

/** A problem as a signature (which session) and feeds (what to run it on). */
export interface AttentionPlan {
  readonly signature: AttentionSignature;
  readonly feeds: readonly Feed[];
  /** The bias array taken from the backend's pool, if any: the only array a plan may give back to it. */
  readonly pooled?: Float32Array;
}

/**
 * Valid key lengths for `nonpad_kv_seqlen`, or `undefined` when the operator needs none. The operator
 * aligns causal masking to `nonpad_kv_seqlen[b] - Sq`, so the lengths serve only where that equals core's
 * `causalOffset` (or where nothing is causal). Returns `null` when they cannot (the bias path then handles
 * the call).
 */
function nonpadLengths(p: AttentionProblem): Int32Array | undefined | null {
  // Without key lengths, a causal call over a past needs every key valid and the offset P = T - Sq.
  const valid = p.validKeys ?? (p.causal && p.pastLength > 0 ? new Int32Array(p.batch).fill(p.keyLength) : undefined);
  if (!valid || !p.causal) return valid;
  for (let b = 0; b < p.batch; b++) if (valid[b]! - p.qLength !== causalOffset(p, b)) return null;
  return valid;
}

/** Whether the problem needs the bias path (see the module comment) rather than the operator's own inputs. */
export function needsBiasPath(p: AttentionProblem): boolean {
  if (p.window || p.graph || p.alibi || p.attentionMap === 'masked') return true;
  if (p.mask && !nativeMask(p.mask, p.qLength, p.keyLength)) return true;
  return nonpadLengths(p) === null;
}

/**
 * A mask the operator takes as it is: its key axis covers every key (`T`) and its query axis is `Sq`
 * (the operator broadcasts the batch and head axes, not these).
 */
function nativeMask(m: ResolvedMask, Sq: number, T: number): boolean {
  const r = m.shape.length;
  return m.shape[r - 1] === T && (Sq === 1 || (r >= 2 && m.shape[r - 2] === Sq));
}

/**
 * Plans one attention call. A bias, if needed, is written into an array taken from `pool` (give it back
 * with `releasePlan` once the run has finished).
 */
export function planAttention(p: AttentionProblem, pool?: ScratchPool, halfFeeds = true): AttentionPlan {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  // float16 calls feed halves (core's float32 arrays hold them exactly, so narrowing loses nothing).
  // Without float16 feeds (see `float16FeedsWork`) a float16 call runs the float32 graph; core narrows.
  const half = p.dtype === 'float16' && halfFeeds;
  // The caller's halves go in as they are where core has them (rank 4, no past); ORT only reads feeds.
  const input = (name: string, data: Float32Array, bits: Uint16Array | undefined, dims: number[]): Feed =>
    half ? { name, type: 'float16', data: bits ?? float16Bits(data), dims } : { name, type: 'float32', data, dims };
  const feeds: Feed[] = [
    input('Q', p.q, p.halves?.q, [B, Hq, Sq, Dk]),
    input('K', p.k, p.halves?.k, [B, Hkv, T, Dk]),
    input('V', p.v, p.halves?.v, [B, Hkv, T, Dv]),
  ];
  const base = {
    scale: p.scale,
    softcap: p.softcap,
    weights: p.attentionMap,
    half: half ? (p.outputDtype === 'float16' ? ('in-out' as const) : ('in' as const)) : ('none' as const),
  };
  if (p.additive) {
    // Additive relevance: an explicit graph, every mask as one bias (or none).
    feeds.push({ name: 'W', type: 'float32', data: p.additive, dims: [Hq, Dk] });
    const additive = { kvHeads: Hkv, group: p.group, keyDim: Dk, valueDim: Dv };
    const masked = hasMasking(p);
    const signature: AttentionSignature = {
      ...base,
      causal: false,
      mask: masked ? 'bias' : 'none',
      nonpad: false,
      additive,
    };
    if (!masked) return { signature, feeds };
    const [Bb, Hb] = biasExtents(p);
    const n = Bb * Hb * Sq * T;
    const data = pool ? pool.take(n) : new Float32Array(n);
    writeDenseBias(p, data);
    feeds.push({ name: 'mask', type: 'float32', data, dims: [Bb, Hb, Sq, T] });
    return pool ? { signature, feeds, pooled: data } : { signature, feeds };
  }
  if (needsBiasPath(p)) {
    const [Bb, Hb] = biasExtents(p);
    const dims = [Bb, Hb, Sq, T];
    const n = Bb * Hb * Sq * T;
    const data = pool ? pool.take(n) : new Float32Array(n);
    writeDenseBias(p, data);
    feeds.push({ name: 'mask', type: 'float32', data, dims });
    const signature: AttentionSignature = { ...base, causal: false, mask: 'bias', nonpad: false };
    return pool ? { signature, feeds, pooled: data } : { signature, feeds };
  }
  if (p.mask) {
    const dims = [1, 1, 1, 1, ...p.mask.shape].slice(-4);
    const data = p.mask.kind === 'bool' ? boolBytes(p.mask.data as Uint8Array) : p.mask.data;
    feeds.push({ name: 'mask', type: p.mask.kind === 'bool' ? 'bool' : 'float32', data, dims });
  }
  const nonpad = nonpadLengths(p);
  if (nonpad)
    feeds.push({
      name: 'nonpad_kv_seqlen',
      type: 'int64',
      data: BigInt64Array.from(nonpad, (n) => BigInt(n)),
      dims: [B],
    });
  return {
    signature: { ...base, causal: p.causal, mask: p.mask ? p.mask.kind : 'none', nonpad: nonpad !== undefined },
    feeds,
  };
}

/** A bool mask as strict 0/1 bytes (attnkit reads any non-zero byte as true). */
function boolBytes(d: Uint8Array): Uint8Array {
  for (let i = 0; i < d.length; i++) if (d[i]! > 1) return Uint8Array.from(d, (x) => (x ? 1 : 0));
  return d;
}

/**
 * Gives a plan's pooled bias back to the pool it came from. A caller's mask passed through as it is (the
 * native path) is never pooled: the pool writes into what it holds.
 */
export function releasePlan(plan: AttentionPlan, pool: ScratchPool): void {
  if (plan.pooled) pool.give(plan.pooled);
}
