/**
 * Runs attention on ONNX Runtime: plans the call, takes the session of its signature from the bounded
 * cache (building the graph on a miss), and runs it. The run also sums the inputs, which core uses to
 * check them for NaN and ±Infinity (see `sumsInputs` in `@attnkit/core`). Inputs are passed to ONNX
 * Runtime without copies (tensors wrap the problem's arrays); the outputs are the arrays ONNX Runtime
 * returns. A bias, when one is needed, is written into a pooled array that is reused once the run is over.
 *
 * Shape legend: B batch, Hq heads, Sq query length, T total key length, Dv value head size.
 */
import type { AttentionOutput, AttentionProblem } from '@attnkit/core';
import type { InferenceSession } from 'onnxruntime-node';
import { attentionGraph, signatureKey } from './attention-graph.js';
import type { BufferPool } from './attention-bias.js';
import { planAttention, releasePlan } from './attention-plan.js';
import type { OrtModule } from './runtime.js';
import type { SessionCache } from './session-cache.js';

/** Computes one attention call. Output `[B, Hq, Sq, Dv]`, weights `[B, Hq, Sq, T]`. */
export async function runAttention(
  ort: OrtModule,
  cache: SessionCache<InferenceSession>,
  sessionOptions: InferenceSession.SessionOptions,
  p: AttentionProblem,
  pool?: BufferPool,
): Promise<AttentionOutput> {
  const plan = planAttention(p, pool);
  const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = {};
  for (const f of plan.feeds) feeds[f.name] = new ort.Tensor(f.type, f.data, f.dims);
  const fetches = plan.signature.weights === 'none' ? ['Y', 'input_sum'] : ['Y', 'QK', 'input_sum'];
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
  const output = out.Y!.data as Float32Array;
  const inputSum = (out.input_sum!.data as Float32Array)[0]!;
  return plan.signature.weights === 'none' ? { output, inputSum } : { output, weights: out.QK!.data as Float32Array, inputSum };
}
