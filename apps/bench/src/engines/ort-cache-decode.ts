/**
 * The onnxruntime-web peer of decoding through a cache (see cache-case.ts): `GroupQueryAttention` with a
 * past of fixed capacity.
 *
 * Shape legend: B batch, Hq/Hkv heads, C the cache's capacity, D head size.
 */
import { cacheSteps, type CacheCase } from '../cache-case.js';
import type { PreparedCase } from '../engine.js';
import type { AttentionInputs } from '../inputs.js';
import type { OrtSession } from './ort-session-peer.js';

/**
 * Decoding through a cache with `GroupQueryAttention`, as a decoder with a fixed-capacity cache feeds it:
 * the past holds `C` rows of which the first `SeqLensK` are entries, each step writes its token after
 * them, and the present it returns (of the same capacity) is the next step's past. onnxruntime-web's
 * WebAssembly provider copies its inputs into its own memory for every run and returns outputs as new
 * arrays, so through its API past and present are one buffer of the user's in turn, not one memory.
 * Before each run the past is put back to the entries filled before the first step (untimed).
 */
export function cacheDecode(
  session: OrtSession,
  tensor: (data: Float32Array | Int32Array, dims: readonly number[]) => never,
  c: CacheCase,
  inputs: AttentionInputs,
): PreparedCase {
  const d = cacheSteps(c, inputs);
  const C = c.seq;
  // The past as filled before the first step: the first entries, the rest zeros (never read).
  const capacity = (t: { data: Float32Array }): Float32Array => {
    const out = new Float32Array(d.B * d.Hkv * C * d.D);
    for (let i = 0; i < d.B * d.Hkv; i++)
      out.set(t.data.subarray(i * d.filled * d.D, (i + 1) * d.filled * d.D), i * C * d.D);
    return out;
  };
  const start = { k: capacity(d.prefill.k), v: capacity(d.prefill.v) };
  let past = start;
  const out = new Float32Array(d.B * d.Hq * d.steps * d.D);
  const dims = [d.B, d.Hkv, C, d.D];
  return {
    async reset() {
      past = start;
    },
    async run() {
      for (let t = 0; t < d.steps; t++) {
        const s = d.step(t);
        const held = d.filled + t;
        const r = await session.run({
          Q: tensor(s.q.data, [d.B, 1, d.Hq * d.D]),
          K: tensor(s.k.data, [d.B, 1, d.Hkv * d.D]),
          V: tensor(s.v.data, [d.B, 1, d.Hkv * d.D]),
          PastK: tensor(past.k, dims),
          PastV: tensor(past.v, dims),
          SeqLensK: tensor(new Int32Array(d.B).fill(held), [d.B]),
          TotalLength: tensor(Int32Array.of(held + 1), []),
        } as Record<string, never>);
        past = { k: r.PresentK!.data as Float32Array, v: r.PresentV!.data as Float32Array };
        d.place(out, r.Y!.data as Float32Array, t);
      }
      return out;
    },
    dispose: () => session.release(),
  };
}
