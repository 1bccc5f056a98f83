/**
 * One attention call on the GPU, planned by attention-plan.ts and run chunk by chunk (one submission per
 * run of units). Two roads:
 * - {@link runAttention}: core's arrays in, arrays out (each chunk uploads its inputs and reads its output
 *   back once);
 * - {@link runResidentAttention}: inputs that may be resident tensors, bound where they lie (no upload),
 *   and an output kept in a resident tensor of its own when asked (no read-back).
 *
 * Shape legend: see attention-inputs.ts.
 */
import {
  float16Bits,
  type AttentionOutput,
  type AttentionProblem,
  type KernelInput,
  type ResidentAttentionOutput,
  type ResidentProblem,
} from '@attnkit/core';
import { narrowHalves, widenHalves } from './encoder-ops.js';
import { encodeFused, encodeThreePass, type AttentionBindings } from './attention-encode.js';
import { planAttention, type AttentionPlan, type AttentionRunOptions } from './attention-plan.js';
import type { GpuContext } from './gpu-context.js';
import type { GpuOp, Slice } from './gpu-op.js';
import { GpuTensor, type GpuResidentStore } from './gpu-resident.js';

export type { AttentionRunOptions } from './attention-plan.js';

/** Records one chunk's kernels; returns the weights buffer when the call asked for them. */
function encodeChunk(
  op: GpuOp,
  plan: AttentionPlan,
  b: AttentionBindings,
  unit0: number,
  units: number,
): Slice | undefined {
  const { spec, shape, mode } = plan;
  const range = { unit0, units, kvRows: plan.kvRows };
  if (shape) {
    encodeFused(op, spec, plan.aux, shape, b, range);
    return undefined;
  }
  const rows = units * spec.group * spec.qLength * spec.keyLength * 4;
  const scores = op.scratch(rows, 'the scores');
  const extra = mode !== 0 ? op.scratch(rows, 'the weights') : op.scratch(4);
  encodeThreePass(op, spec, plan.aux, b, range, scores, extra, mode);
  return plan.wantWeights ? (mode !== 0 ? extra : scores) : undefined;
}

/** The mask and call parameters of a chunk: a real mask is tensor data (counted), the placeholder is not. */
function maskAndAux(op: GpuOp, plan: AttentionPlan): { mask: Slice; aux: Slice } {
  return {
    mask: plan.spec.mask ? op.upload(plan.mask) : op.params(plan.mask),
    aux: op.params(plan.aux.words),
  };
}

/** Runs `p` on the device: core's arrays in, fresh arrays out. */
export async function runAttention(
  ctx: GpuContext,
  p: AttentionProblem,
  options: AttentionRunOptions,
): Promise<AttentionOutput> {
  const { batch: B, qHeads: Hq, group: G, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const plan = planAttention(ctx, p, options);
  const { units, chunk } = plan;
  // float16 calls travel as halves both ways. On the shader-f16 road the kernels bind them as array<f16>
  // (and write a float16 result as such); on the packed road they compute in float32 between a widening and
  // a narrowing pass on the GPU. Either way the arithmetic is float32.
  const half = p.dtype === 'float16';
  const halfOut = half && p.outputDtype === 'float16';
  const direct = plan.io.input === 'f16';
  const output = halfOut ? new Uint16Array(B * Hq * Sq * Dv) : new Float32Array(B * Hq * Sq * Dv);
  const weights = plan.wantWeights ? new Float32Array(B * Hq * Sq * T) : undefined;
  for (let u0 = 0; u0 < units; u0 += chunk) {
    const n = Math.min(chunk, units - u0);
    const [out, w] = await ctx.run((op) => {
      // core's float32 arrays hold the halves exactly, so narrowing them again loses nothing.
      // The caller's halves are uploaded as they are where core has them (rank 4, no past).
      const halves = (a: Float32Array, bits: Uint16Array | undefined, from: number, to: number): Slice =>
        op.upload(bits ? bits.subarray(from, to) : float16Bits(a.subarray(from, to)));
      const input = (a: Float32Array, bits: Uint16Array | undefined, from: number, to: number): Slice =>
        !half
          ? op.upload(a.subarray(from, to))
          : direct
            ? halves(a, bits, from, to)
            : widenHalves(op, halves(a, bits, from, to), to - from);
      const count = n * G * Sq * Dv;
      const b = {
        q: input(p.q, p.halves?.q, u0 * G * Sq * Dk, (u0 + n) * G * Sq * Dk),
        k: input(p.k, p.halves?.k, u0 * T * Dk, (u0 + n) * T * Dk),
        v: input(p.v, p.halves?.v, u0 * T * Dv, (u0 + n) * T * Dv),
        ...maskAndAux(op, plan),
        out: op.scratch(count * (plan.io.output === 'f16' ? 2 : 4)),
        ...(p.additive ? { additive: op.upload(p.additive) } : {}),
        io: plan.io,
      };
      const wSlice = encodeChunk(op, plan, b, u0, n);
      if (halfOut && plan.io.output !== 'f16') op.read(narrowHalves(op, b.out, count), Math.ceil(count / 2) * 4);
      else if (halfOut) op.read(b.out, Math.ceil(count / 2) * 4);
      else op.read(b.out);
      if (wSlice) op.read(wSlice);
    });
    if (output instanceof Uint16Array)
      output.set(new Uint16Array(out!.buffer, out!.byteOffset, n * G * Sq * Dv), u0 * G * Sq * Dv);
    else output.set(out!, u0 * G * Sq * Dv);
    if (weights) weights.set(w!, u0 * G * Sq * T);
  }
  return weights ? { output, attentionMap: weights } : { output };
}

/**
 * Elements `from .. from + count` of a resident tensor as a binding: in place when the offset meets the
 * device's alignment, else copied on the device into a temporary buffer (nothing crosses to JavaScript).
 */
function bindRange(op: GpuOp, t: GpuTensor, from: number, count: number): Slice {
  const slice = t.slice(from, count);
  if ((slice.offset ?? 0) % op.ctx.profile.offsetAlignment === 0) return slice;
  const temp = op.scratch(count * 4, 'an input');
  op.copy(slice, temp, count * 4);
  return temp;
}

function nativeOf(x: KernelInput, name: string): GpuTensor {
  if (x.native instanceof GpuTensor) return x.native;
  throw new Error(`${name}: not a resident tensor of this WebGPU backend`);
}

/**
 * Runs a call whose inputs may be resident tensors (bound in place) and returns its output `[B, Hq, Sq, Dv]`
 * as a new resident tensor when `p.keep`, else as an array read back once per chunk. Resident calls are
 * float32.
 */
export async function runResidentAttention(
  ctx: GpuContext,
  store: GpuResidentStore,
  p: ResidentProblem,
  options: AttentionRunOptions,
): Promise<ResidentAttentionOutput> {
  const { batch: B, qHeads: Hq, group: G, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const elements = B * Hq * Sq * Dv;
  // No keys at all (or no output): every query row outputs zeros, and new tensors are zeroed.
  if (elements === 0 || T === 0)
    return p.keep ? { native: store.allocate(elements) } : { output: new Float32Array(elements) };
  const plan = planAttention(ctx, p, options);
  const { units, chunk } = plan;
  const kept = p.keep ? store.allocate(elements) : undefined;
  const output = kept ? undefined : new Float32Array(elements);
  try {
    for (let u0 = 0; u0 < units; u0 += chunk) {
      const n = Math.min(chunk, units - u0);
      const [out] = await ctx.run((op) => {
        const input = (x: KernelInput, name: string, perUnit: number): Slice =>
          x.array
            ? op.upload(x.array.subarray(u0 * perUnit, (u0 + n) * perUnit))
            : bindRange(op, nativeOf(x, name), u0 * perUnit, n * perUnit);
        const count = n * G * Sq * Dv;
        const target = kept?.slice(u0 * G * Sq * Dv, count);
        const direct = target && (target.offset ?? 0) % ctx.profile.offsetAlignment === 0;
        const b = {
          q: input(p.q, 'q', G * Sq * Dk),
          k: input(p.k, 'k', T * Dk),
          v: input(p.v, 'v', T * Dv),
          ...maskAndAux(op, plan),
          out: direct ? target : op.scratch(count * 4),
          ...(p.additive ? { additive: op.upload(p.additive) } : {}),
        };
        encodeChunk(op, plan, b, u0, n);
        if (!target) op.read(b.out);
        else if (!direct) op.copy(b.out, target, count * 4);
      });
      output?.set(out!, u0 * G * Sq * Dv);
    }
  } catch (e) {
    if (kept) store.free(kept);
    throw e;
  }
  return kept ? { native: kept } : { output: output! };
}
