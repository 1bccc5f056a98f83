/**
 * Records attention dispatches into a {@link GpuOp}: the fused kernel, or the three passes. Used by the
 * attention calls (per chunk of units) and by compiled models (whole batch, packed output).
 *
 * Shape legend: see attention-plan.ts. `units` (batch × key/value head) starting at `unit0` are computed.
 */
import { attentionParams, type AttentionSpec, type AuxData } from './attention-plan.js';
import { fusedAttentionWgsl, type FusedShape } from './flash-attention.wgsl.js';
import type { GpuOp, Slice } from './gpu-context.js';
import { scoresWgsl, softmaxWgsl, weightedSumWgsl } from './three-pass.wgsl.js';
import { shapeKey } from './variants.js';

/** The buffers of one attention dispatch. */
export interface AttentionBindings {
  readonly q: Slice;
  readonly k: Slice;
  readonly v: Slice;
  readonly mask: Slice;
  readonly aux: Slice;
  readonly out: Slice;
}

/** Where the work goes. */
export interface AttentionRange {
  readonly unit0: number;
  readonly units: number;
  readonly outPacked?: boolean;
}

/** Records the fused kernel. */
export function encodeFused(op: GpuOp, s: AttentionSpec, aux: AuxData, shape: FusedShape, b: AttentionBindings, range: AttentionRange): void {
  const kernel = op.ctx.kernel(`fused/${shapeKey(shape)}`, ['uniform', 'read', 'read', 'read', 'read', 'read', 'storage'], () => fusedAttentionWgsl(shape));
  const params = op.uniform(attentionParams(s, aux, range.unit0, { outPacked: range.outPacked ?? false }));
  op.dispatch(kernel, [params, b.q, b.k, b.v, b.mask, b.aux, b.out], [Math.ceil(s.qLength / shape.tq), range.units * s.group]);
}

/**
 * Records the three passes. `scores` holds `[units·G, Sq, T]` and ends as probabilities; with `mode`
 * 1/2/3 (raw, softcapped, masked) those scores are also written to `weights`.
 */
export function encodeThreePass(op: GpuOp, s: AttentionSpec, aux: AuxData, b: AttentionBindings, range: AttentionRange, scores: Slice, weights: Slice, mode: number): void {
  const { valueDim: dv, qLength: sq, keyLength: T } = s;
  const heads = range.units * s.group;
  const params = op.uniform(attentionParams(s, aux, range.unit0, { outPacked: range.outPacked ?? false, mode }));
  const pass1 = op.ctx.kernel('scores', ['uniform', 'read', 'read', 'read', 'read', 'storage', 'storage'], scoresWgsl);
  op.dispatch(pass1, [params, b.q, b.k, b.mask, b.aux, scores, weights], [Math.ceil(T / 16), Math.ceil(sq / 16), heads]);
  const pass2 = op.ctx.kernel('softmax', ['uniform', 'storage'], softmaxWgsl);
  op.dispatch(pass2, [params, scores], [sq, heads]);
  const pass3 = op.ctx.kernel('weighted-sum', ['uniform', 'read', 'read', 'storage'], weightedSumWgsl);
  op.dispatch(pass3, [params, scores, b.v, b.out], [Math.ceil(dv / 8), Math.ceil(sq / 8), heads]);
}
