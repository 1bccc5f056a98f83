/**
 * One attention call on the GPU: picks the kernel, splits the work into runs of units that fit the
 * device's binding and dispatch limits, and reads each run back once. What cannot be split (a single
 * unit, or a mask, larger than a binding) is refused with an {@link UnsupportedError} naming the limit.
 *
 * Shape legend: see attention-inputs.ts.
 */
import { float16Bits, UnsupportedError, type AttentionOutput, type AttentionProblem } from '@attnkit/core';
import { narrowHalves, widenHalves } from './encoder-ops.js';
import { encodeFused, encodeThreePass } from './attention-encode.js';
import { buildAux, maskWords, WEIGHT_MODES } from './attention-inputs.js';
import type { GpuContext } from './gpu-context.js';
import { fusedShape, type AttentionKernelChoice, type SubgroupChoice } from './variants.js';

/** How an attention call runs. */
export interface AttentionRunOptions {
  readonly kernel: AttentionKernelChoice;
  readonly subgroups: SubgroupChoice;
}

/** Runs `p` on the device. */
export async function runAttention(
  ctx: GpuContext,
  p: AttentionProblem,
  options: AttentionRunOptions,
): Promise<AttentionOutput> {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, group: G, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const profile = ctx.profile;
  const wantWeights = p.attentionMap !== 'none';
  // Additive relevance has a three-pass kernel only.
  const threePass = wantWeights || options.kernel === 'three-pass' || p.additive !== undefined;
  const shape = threePass ? undefined : fusedShape(profile, Dk, Dv, Sq, options.subgroups);
  if (!shape && !threePass && options.kernel === 'fused')
    throw new UnsupportedError(
      `the fused kernel cannot run head sizes Dk ${Dk}, Dv ${Dv} on this device (workgroup storage ${profile.maxWorkgroupStorage} bytes)`,
    );
  const aux = buildAux(p);
  const mask = maskWords(p.mask);
  const limit = profile.maxBinding;
  const refuse = (what: string, bytes: number): never => {
    throw new UnsupportedError(
      `${what} needs ${bytes} bytes in one storage binding, more than this device allows (maxStorageBufferBindingSize ${limit}); split the call (e.g. fewer keys per call)`,
    );
  };
  if (mask.byteLength > limit) refuse('the mask', mask.byteLength);
  if (aux.words.byteLength > limit) refuse('the key lengths, graph and ALiBi slopes', aux.words.byteLength);
  const perUnit = [G * Sq * Dk, T * Dk, T * Dv, G * Sq * Dv, shape ? 0 : G * Sq * T].map((n) => n * 4);
  const biggest = Math.max(...perUnit);
  if (biggest > limit)
    refuse(
      `one key/value head (Sq ${Sq}, T ${T}, Dk ${Dk}, Dv ${Dv}${shape ? '' : ', with its Sq×T scores'})`,
      biggest,
    );
  const maxGroups = profile.maxWorkgroupsPerDimension;
  const xGroups = shape ? Math.ceil(Sq / shape.tq) : Math.max(Sq, Math.ceil(T / 16));
  if (xGroups > maxGroups)
    throw new UnsupportedError(
      `Sq ${Sq} / T ${T} need ${xGroups} workgroups in one dimension, more than this device allows (${maxGroups})`,
    );
  const units = B * Hkv;
  const chunk = Math.max(1, Math.min(units, Math.floor(limit / biggest), Math.floor(maxGroups / G)));

  // float16 calls travel as halves, two per u32, both ways; the kernels compute in float32 between a widening
  // and a narrowing pass on the GPU.
  const half = p.dtype === 'float16';
  const halfOut = half && p.outputDtype === 'float16';
  const output = halfOut ? new Uint16Array(B * Hq * Sq * Dv) : new Float32Array(B * Hq * Sq * Dv);
  const weights = wantWeights ? new Float32Array(B * Hq * Sq * T) : undefined;
  const mode = WEIGHT_MODES[p.attentionMap];
  for (let u0 = 0; u0 < units; u0 += chunk) {
    const n = Math.min(chunk, units - u0);
    const range = { unit0: u0, units: n };
    const [out, w] = await ctx.run((op) => {
      // core's float32 arrays hold the halves exactly, so narrowing them again loses nothing.
      // The caller's halves are uploaded as they are where core has them (rank 4, no past).
      const input = (a: Float32Array, bits: Uint16Array | undefined, from: number, to: number) =>
        half
          ? widenHalves(op, op.upload(bits ? bits.subarray(from, to) : float16Bits(a.subarray(from, to))), to - from)
          : op.upload(a.subarray(from, to));
      const b = {
        q: input(p.q, p.halves?.q, u0 * G * Sq * Dk, (u0 + n) * G * Sq * Dk),
        k: input(p.k, p.halves?.k, u0 * T * Dk, (u0 + n) * T * Dk),
        v: input(p.v, p.halves?.v, u0 * T * Dv, (u0 + n) * T * Dv),
        mask: op.upload(mask),
        aux: op.upload(aux.words),
        out: op.scratch(n * G * Sq * Dv * 4),
        ...(p.additive ? { additive: op.upload(p.additive) } : {}),
      };
      const readOutput = (): void => {
        const count = n * G * Sq * Dv;
        if (halfOut) op.read(narrowHalves(op, b.out, count), Math.ceil(count / 2) * 4);
        else op.read(b.out);
      };
      if (shape) {
        encodeFused(op, p, aux, shape, b, range);
        readOutput();
        return;
      }
      const scores = op.scratch(n * G * Sq * T * 4, 'the scores');
      const extra = mode !== 0 ? op.scratch(n * G * Sq * T * 4, 'the weights') : op.scratch(4);
      encodeThreePass(op, p, aux, b, range, scores, extra, mode);
      readOutput();
      if (wantWeights) op.read(mode !== 0 ? extra : scores);
    });
    if (output instanceof Uint16Array)
      output.set(new Uint16Array(out!.buffer, out!.byteOffset, n * G * Sq * Dv), u0 * G * Sq * Dv);
    else output.set(out!, u0 * G * Sq * Dv);
    if (weights) weights.set(w!, u0 * G * Sq * T);
  }
  return weights ? { output, attentionMap: weights } : { output };
}
