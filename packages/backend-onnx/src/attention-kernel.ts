/**
 * Runs attention on ONNX Runtime: plans the call, takes the session of its signature from the bounded
 * cache (building the graph on a miss), and runs it. The run also sums the squares of the inputs, which
 * core uses to check them (see `sumsInputSquares` in `@attnkit/core`). Inputs are passed to ONNX Runtime
 * without copies (tensors wrap the problem's arrays, which ONNX Runtime only reads); the outputs are the
 * arrays ONNX Runtime returns. A bias, when one is needed, is written into an array of the backend's own
 * pool that is reused once the run is over; the caller's arrays never enter the pool.
 *
 * Shape legend: B batch, Hq heads, Sq query length, T total key length, Dv value head size.
 */
import type { AttentionOutput, AttentionProblem } from '@attnkit/core';
import type { InferenceSession } from 'onnxruntime-node';
import { attentionGraph, signatureKey } from './attention-graph.js';
import type { ScratchPool } from './scratch-pool.js';
import { planAttention, releasePlan } from './attention-plan.js';
import type { OrtModule } from './runtime.js';
import type { SessionCache } from './session-cache.js';

/** Computes one attention call. Output `[B, Hq, Sq, Dv]`, weights `[B, Hq, Sq, T]`. */
export async function runAttention(
  ort: OrtModule,
  cache: SessionCache<InferenceSession>,
  sessionOptions: InferenceSession.SessionOptions,
  p: AttentionProblem,
  pool?: ScratchPool,
): Promise<AttentionOutput> {
  const plan = planAttention(p, pool);
  const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = {};
  for (const f of plan.feeds) feeds[f.name] = new ort.Tensor(f.type, f.data, f.dims);
  const sums = ['q_squares', 'k_squares', 'v_squares'];
  const fetches = plan.signature.weights === 'none' ? ['Y', ...sums] : ['Y', 'QK', ...sums];
  let out: InferenceSession.ReturnType;
  try {
    out = await cache.use(
      signatureKey(plan.signature),
      () => ort.InferenceSession.create(attentionGraph(plan.signature), sessionOptions),
      (session) => session.run(feeds, fetches),
    );
  } finally {
    if (pool) releasePlan(plan, pool);
  }
  // Y is float16 bits (Uint16Array) from an `in-out` float16 graph; core takes either.
  const output = out.Y!.data as Float32Array | Uint16Array;
  const scalar = (name: string): number => (out[name]!.data as Float32Array)[0]!;
  const inputSquares = { q: scalar('q_squares'), k: scalar('k_squares'), v: scalar('v_squares') };
  return plan.signature.weights === 'none'
    ? { output, inputSquares }
    : { output, attentionMap: out.QK!.data as Float32Array, inputSquares };
}
