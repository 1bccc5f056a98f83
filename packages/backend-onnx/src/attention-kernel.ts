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
import { attentionGraph, float16CheckGraph, signatureKey } from './attention-graph.js';
import type { ScratchPool } from './scratch-pool.js';
import { planAttention, releasePlan } from './attention-plan.js';
import type { OrtModule } from './runtime.js';
import type { SessionCache } from './session-cache.js';

const float16Checks = new WeakMap<OrtModule, Promise<boolean>>();

/**
 * Whether this runtime's binding takes float16 tensors, checked once with a one-node graph. Under Node 24,
 * onnxruntime-node 1.30 turns a float16 tensor's Uint16Array into the runtime's Float16Array, which its
 * native binding then reads as empty ("not enough space"); float16 calls there feed float32 instead.
 */
export function float16FeedsWork(ort: OrtModule): Promise<boolean> {
  let check = float16Checks.get(ort);
  if (!check) {
    check = (async () => {
      try {
        const session = await ort.InferenceSession.create(float16CheckGraph());
        try {
          const out = await session.run({ X: new ort.Tensor('float16', Uint16Array.of(0x3c00, 0xc000), [2]) });
          const y = out.Y!.data as ArrayBufferView;
          const bits = new Uint16Array(y.buffer, y.byteOffset, 2);
          return bits[0] === 0x3c00 && bits[1] === 0xc000;
        } finally {
          await session.release();
        }
      } catch {
        return false;
      }
    })();
    float16Checks.set(ort, check);
  }
  return check;
}

/** Computes one attention call. Output `[B, Hq, Sq, Dv]`, weights `[B, Hq, Sq, T]`. */
export async function runAttention(
  ort: OrtModule,
  cache: SessionCache<InferenceSession>,
  sessionOptions: InferenceSession.SessionOptions,
  p: AttentionProblem,
  pool?: ScratchPool,
): Promise<AttentionOutput> {
  const plan = planAttention(p, pool, p.dtype === 'float16' && (await float16FeedsWork(ort)));
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
  const y = out.Y!.data as Float32Array | Uint16Array | (ArrayBufferView & { length: number });
  // A runtime with Float16Array may hand float16 back as one: its bits, viewed as a Uint16Array.
  const output =
    y instanceof Float32Array || y instanceof Uint16Array ? y : new Uint16Array(y.buffer, y.byteOffset, y.length);
  const scalar = (name: string): number => (out[name]!.data as Float32Array)[0]!;
  const inputSquares = { q: scalar('q_squares'), k: scalar('k_squares'), v: scalar('v_squares') };
  return plan.signature.weights === 'none'
    ? { output, inputSquares }
    : { output, attentionMap: out.QK!.data as Float32Array, inputSquares };
}
