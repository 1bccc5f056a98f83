/**
 * Records attention dispatches into a {@link GpuOp}: the fused kernel, or the three passes. Used by the
 * attention calls (per chunk of units) and by compiled models (whole batch, packed output).
 *
 * Shape legend: see attention-inputs.ts. `units` (batch × key/value head) starting at `unit0` are computed.
 */
import { attentionParams, type AttentionSpec, type AuxData } from './attention-inputs.js';
import { fusedAttentionKernel, type FusedShape } from './flash-attention.wgsl.js';
import type { GpuOp, Slice } from './gpu-op.js';
import { additiveScoresKernelFor, scoresKernelFor, softmaxKernel, weightedSumKernelFor } from './three-pass.wgsl.js';
import { F32_IO, type AttentionIo } from './wgsl-float16.js';

/** The buffers of one attention dispatch. */
export interface AttentionBindings {
  readonly q: Slice;
  readonly k: Slice;
  readonly v: Slice;
  readonly mask: Slice;
  readonly aux: Slice;
  readonly out: Slice;
  /** Additive relevance weights `[Hq, Dk]` (three-pass only, float32). */
  readonly additive?: Slice;
  /** How q, k, v and out are stored (default float32; `f16` needs the `shader-f16` feature). */
  readonly io?: AttentionIo;
}

/** Where the work goes. */
export interface AttentionRange {
  readonly unit0: number;
  readonly units: number;
  readonly outPacked?: boolean;
  /** Rows per unit in k and v (default: the spec's key length, which is the keys computed). */
  readonly kvRows?: number;
}

function paramsOf(range: AttentionRange): { outPacked: boolean; kvRows?: number } {
  return { outPacked: range.outPacked ?? false, ...(range.kvRows !== undefined && { kvRows: range.kvRows }) };
}

/** Records the fused kernel (dot-product relevance only). */
export function encodeFused(
  op: GpuOp,
  s: AttentionSpec,
  aux: AuxData,
  shape: FusedShape,
  b: AttentionBindings,
  range: AttentionRange,
): void {
  const P = op.uniform(attentionParams(s, aux, range.unit0, paramsOf(range)));
  const { q, k, v, mask, out } = b;
  op.dispatch(op.ctx.kernel(fusedAttentionKernel(shape, b.io ?? F32_IO)), { P, q, k, v, mask, aux: b.aux, out }, [
    Math.ceil(s.qLength / shape.tq),
    range.units * s.group,
  ]);
}

/**
 * Records the three passes. `scores` holds `[units·G, Sq, T]` and ends as probabilities; with `mode`
 * 1/2/3 (raw, softcapped, masked) those scores are also written to `weights`.
 */
export function encodeThreePass(
  op: GpuOp,
  s: AttentionSpec,
  aux: AuxData,
  b: AttentionBindings,
  range: AttentionRange,
  scores: Slice,
  weights: Slice,
  mode: number,
): void {
  const { valueDim: dv, qLength: sq, keyLength: T } = s;
  const heads = range.units * s.group;
  const P = op.uniform(attentionParams(s, aux, range.unit0, { ...paramsOf(range), mode }));
  const { q, k, v, mask, out } = b;
  const grid = [Math.ceil(T / 16), Math.ceil(sq / 16), heads] as const;
  const io = b.io ?? F32_IO;
  if (b.additive)
    op.dispatch(
      op.ctx.kernel(additiveScoresKernelFor(io.input)),
      { P, q, k, aw: b.additive, mask, aux: b.aux, s: scores, w: weights },
      grid,
    );
  else
    op.dispatch(op.ctx.kernel(scoresKernelFor(io.input)), { P, q, k, mask, aux: b.aux, s: scores, w: weights }, grid);
  op.dispatch(op.ctx.kernel(softmaxKernel), { P, s: scores }, [sq, heads]);
  op.dispatch(op.ctx.kernel(weightedSumKernelFor(io)), { P, s: scores, v, out }, [
    Math.ceil(dv / 8),
    Math.ceil(sq / 8),
    heads,
  ]);
}
