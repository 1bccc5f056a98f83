/**
 * How one attention call runs on the device, decided before anything is uploaded: the kernel, the keys
 * it computes, and the runs of units ("chunks") that fit the device's binding and dispatch limits. What
 * cannot be split (a single unit, or a mask, larger than a binding) is refused with an
 * {@link UnsupportedError} naming the limit. Shared by the array road and the resident road.
 *
 * Shape legend: see attention-inputs.ts. T keys per unit in k and v (`kvRows`), of which the kernels
 * compute the first `keys`: all T, or, when no attention map is returned, as far as the longest
 * `validKeys` (a key/value cache's entries held): tiles beyond are never loaded.
 */
import { UnsupportedError, type AttentionSetup } from '@attnkit/core';
import { buildAux, maskWords, WEIGHT_MODES, type AttentionSpec, type AuxData } from './attention-inputs.js';
import type { GpuContext } from './gpu-context.js';
import type { FusedShape } from './flash-attention.wgsl.js';
import { fusedShape, type AttentionKernelChoice, type SubgroupChoice } from './variants.js';
import { attentionIo, type AttentionIo, type Float16Path } from './wgsl-float16.js';

/** How an attention call runs. */
export interface AttentionRunOptions {
  readonly kernel: AttentionKernelChoice;
  readonly subgroups: SubgroupChoice;
  /** The road of float16 calls on this device (see wgsl-float16.ts). */
  readonly float16: Float16Path;
}

/** A call's plan (see the module comment). */
export interface AttentionPlan {
  /** The call as the kernels see it: `keyLength` is the keys computed. */
  readonly spec: AttentionSpec;
  /** Rows per unit in k and v. */
  readonly kvRows: number;
  /** The fused variant, or `undefined` for the three-pass kernels. */
  readonly shape: FusedShape | undefined;
  /** How q, k, v and the output are stored in the kernels' buffers. */
  readonly io: AttentionIo;
  readonly aux: AuxData;
  readonly mask: ArrayBufferView;
  readonly wantWeights: boolean;
  /** What pass 1 of the three-pass kernels also writes (see `WEIGHT_MODES`). */
  readonly mode: number;
  /** B·Hkv units, in runs of at most `chunk`. */
  readonly units: number;
  readonly chunk: number;
}

/** Plans `p` on `ctx`'s device (see the module comment). */
export function planAttention(ctx: GpuContext, p: AttentionSetup, options: AttentionRunOptions): AttentionPlan {
  const { batch: B, kvHeads: Hkv, group: G, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const profile = ctx.profile;
  const wantWeights = p.attentionMap !== 'none';
  // Additive relevance has a three-pass kernel only.
  const threePass = wantWeights || options.kernel === 'three-pass' || p.additive !== undefined;
  const io = attentionIo(p.dtype, p.outputDtype, options.float16);
  const shape = threePass ? undefined : fusedShape(profile, Dk, Dv, Sq, options.subgroups, io.input === 'f16' ? 2 : 4);
  if (!shape && !threePass && options.kernel === 'fused')
    throw new UnsupportedError(
      `the fused kernel cannot run head sizes Dk ${Dk}, Dv ${Dv} on this device (workgroup storage ${profile.maxWorkgroupStorage} bytes)`,
    );
  // Keys at or beyond every batch's valid length are hidden: without an attention map to fill, they are
  // not computed at all (a cache's rows beyond the entries held).
  const keys = !wantWeights && p.validKeys ? Math.min(T, Math.max(1, ...p.validKeys)) : T;
  const spec: AttentionSpec = keys === T ? p : { ...p, keyLength: keys };
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
  const perUnit = [G * Sq * Dk, T * Dk, T * Dv, G * Sq * Dv, shape ? 0 : G * Sq * keys].map((n) => n * 4);
  const biggest = Math.max(...perUnit);
  if (biggest > limit)
    refuse(
      `one key/value head (Sq ${Sq}, T ${T}, Dk ${Dk}, Dv ${Dv}${shape ? '' : ', with its Sq×T scores'})`,
      biggest,
    );
  const maxGroups = profile.maxWorkgroupsPerDimension;
  const xGroups = shape ? Math.ceil(Sq / shape.tq) : Math.max(Sq, Math.ceil(keys / 16));
  if (xGroups > maxGroups)
    throw new UnsupportedError(
      `Sq ${Sq} / T ${keys} need ${xGroups} workgroups in one dimension, more than this device allows (${maxGroups})`,
    );
  const units = B * Hkv;
  const chunk = Math.max(1, Math.min(units, Math.floor(limit / biggest), Math.floor(maxGroups / G)));
  return {
    spec,
    kvRows: T,
    shape,
    io,
    aux,
    mask,
    wantWeights,
    mode: WEIGHT_MODES[p.attentionMap],
    units,
    chunk,
  };
}
