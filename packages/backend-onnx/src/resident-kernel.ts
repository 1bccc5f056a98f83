/**
 * Attention on resident tensors (`residentAttention`): every input, core's array or a native `ort.Tensor`
 * of {@link onnxStore}, is fed to the session as it is, and a kept output is the tensor ONNX Runtime
 * returned (no copy into a fresh array).
 *
 * Two graphs, each cached by its signature like the array road's (its dimensions are symbolic, so a decode
 * loop runs on two sessions at most, the second once the cache is more than half full):
 * - calls whose valid keys end well before the storage does (a cache call: `[B, Hkv, C, D]` storage
 *   holding `V` rows per head, see {@link heldRows}) run the head-split graph (`head-split-graph.ts`) over
 *   each head's held rows, so rows `≥ V` are neither read nor computed;
 * - every other call runs the array road's graph on the natives' data, without the sums of squares (core
 *   bounds handles by their own bounds).
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, T key rows given (C for a cache), V rows held,
 * Dk/Dv head sizes.
 */
import {
  biasExtents,
  writeDenseBias,
  type AttentionProblem,
  type AttentionSetup,
  type KernelInput,
  type ResidentAttentionOutput,
  type ResidentProblem,
} from '@attnkit/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { attentionGraph, signatureKey } from './attention-graph.js';
import { planAttention, type Feed } from './attention-plan.js';
import { headInputs, headSplitGraph, headSplitKey, type HeadSplitSignature } from './head-split-graph.js';
import { nativeData } from './resident-store.js';
import type { OrtModule } from './runtime.js';
import type { ScratchPool } from './scratch-pool.js';
import type { SessionCache } from './session-cache.js';

/** The most key/value heads (`B·Hkv`) the head-split graph takes; beyond, the whole storage is attended. */
export const MAX_SPLIT_HEADS = 64;

/** A graph to run: its cache key, how to build it, and its feeds. */
interface ResidentPlan {
  readonly key: string;
  readonly graph: () => Uint8Array;
  readonly feeds: readonly Feed[];
  readonly pooled?: Float32Array;
}

/** Computes one call of {@link ResidentProblem}: output `[B, Hq, Sq, Dv]`, a native when `p.keep`. */
export async function runResident(
  ort: OrtModule,
  cache: SessionCache<InferenceSession>,
  sessionOptions: InferenceSession.SessionOptions,
  p: ResidentProblem,
  pool?: ScratchPool,
): Promise<ResidentAttentionOutput> {
  const [q, k, v] = [p.q, p.k, p.v].map(dataOf) as [Float32Array, Float32Array, Float32Array];
  const plan = planResident(p, q, k, v, pool);
  const feeds: Record<string, OrtTensor> = {};
  for (const f of plan.feeds) feeds[f.name] = new ort.Tensor(f.type, f.data, f.dims);
  let out: InferenceSession.ReturnType;
  try {
    out = await cache.use(
      plan.key,
      () => ort.InferenceSession.create(plan.graph(), sessionOptions),
      (session) => session.run(feeds, ['Y']),
    );
  } finally {
    if (pool && plan.pooled) pool.give(plan.pooled);
  }
  // The binding hands each output back in a fresh buffer of its own: kept as it is, it is the native.
  const y = out.Y!;
  return p.keep ? { native: y } : { output: y.data as Float32Array };
}

function dataOf(x: KernelInput): Float32Array {
  return x.array ?? nativeData(x.native as OrtTensor);
}

/** The graph and feeds of a call (see the module comment). */
export function planResident(
  p: ResidentProblem,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  pool?: ScratchPool,
): ResidentPlan {
  const held = heldRows(p);
  if (held !== undefined) return planHeadSplit(p, held, q, k, v, pool);
  const problem: AttentionProblem = { ...setupOf(p), q, k, v };
  const plan = planAttention(problem, pool, false);
  const signature = { ...plan.signature, sums: false };
  return {
    key: signatureKey(signature),
    graph: () => attentionGraph(signature),
    feeds: plan.feeds,
    ...(plan.pooled && { pooled: plan.pooled }),
  };
}

/**
 * `V` when the head-split graph serves the call: every batch holds the same `V < T` valid rows, at least
 * the query length, and nothing but causal masking, a window, ALiBi and a softcap shapes the scores.
 *
 * With several key/value heads, one `Attention` node per head runs slower than one node over them all
 * (less work per node for ONNX Runtime's threads to share): measured at H32, Hkv 8, D128, one query,
 * 2 threads (`scripts/head-split.mjs`), the head-split graph over `V` of `T` rows is the faster up to
 * `V = T/2` and the slower from about `V = 3T/4`. So the split serves `V ≤ T/2`; beyond, the single node
 * attends over the storage with the rows past `V` masked (`nonpad_kv_seqlen`), computing over them. With
 * one head the split is the single node.
 */
export function heldRows(p: AttentionSetup): number | undefined {
  const valid = p.validKeys;
  if (!valid || p.mask || p.graph || p.additive || p.attentionMap !== 'none') return undefined;
  const n = p.batch * p.kvHeads;
  if (n > MAX_SPLIT_HEADS) return undefined;
  const V = valid[0]!;
  if (V >= p.keyLength || V < Math.max(1, p.qLength) || (n > 1 && 2 * V > p.keyLength)) return undefined;
  for (let b = 0; b < p.batch; b++) if (valid[b] !== V || p.queryOffset[b] !== V - p.qLength) return undefined;
  return V;
}

function planHeadSplit(
  p: ResidentProblem,
  V: number,
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  pool: ScratchPool | undefined,
): ResidentPlan {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const n = B * Hkv;
  const feeds: Feed[] = [{ name: 'Q', type: 'float32', data: q, dims: [B, Hq, Sq, Dk] }];
  for (let i = 0; i < n; i++) {
    const names = headInputs(i);
    feeds.push(
      { name: names.key, type: 'float32', data: k.subarray(i * T * Dk, (i * T + V) * Dk), dims: [1, 1, V, Dk] },
      { name: names.value, type: 'float32', data: v.subarray(i * T * Dv, (i * T + V) * Dv), dims: [1, 1, V, Dv] },
    );
  }
  // The held rows as the whole key axis: the same queries, offsets and bands, over V keys.
  const sub: AttentionSetup = { ...setupOf(p), keyLength: V, kvLength: V, validKeys: undefined };
  const bias = sub.window !== undefined || sub.alibi !== undefined;
  const signature: HeadSplitSignature = {
    scale: p.scale,
    softcap: p.softcap,
    causal: p.causal && !bias,
    mask: bias ? 'bias' : 'none',
    heads: n,
    maskGroups: bias && biasExtents(sub)[1] > 1 ? Hkv : 1,
  };
  const plan = { key: headSplitKey(signature), graph: () => headSplitGraph(signature), feeds };
  if (!bias) return plan;
  const [Bb, Hb] = biasExtents(sub);
  const size = Bb * Hb * Sq * V;
  const data = pool ? pool.take(size) : new Float32Array(size);
  writeDenseBias(sub, data);
  feeds.push({ name: 'mask', type: 'float32', data, dims: [Bb, Hb, Sq, V] });
  return pool ? { ...plan, pooled: data } : plan;
}

/** The setup of a resident problem, without its inputs. */
function setupOf(p: ResidentProblem): AttentionSetup {
  const { q: _q, k: _k, v: _v, keep: _keep, ...setup } = p;
  return setup;
}
