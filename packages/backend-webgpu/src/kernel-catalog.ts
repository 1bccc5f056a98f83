/**
 * Every kernel the backend can build for a device, from the same functions that choose them at run time:
 * the fused variants `fusedShape` yields for every head-size bucket, query count, subgroup choice and
 * storage; the three passes for each storage; the encoder kernels. A kernel with `f16` storage is listed
 * only for a profile with `shader-f16`. The shader tests compile and link every entry on a device.
 */
import { ENCODER_KERNELS } from './encoder-ops.wgsl.js';
import { fusedAttentionKernel } from './flash-attention.wgsl.js';
import type { DeviceProfile } from './gpu-context.js';
import { additiveScoresKernelFor, scoresKernelFor, softmaxKernel, weightedSumKernelFor } from './three-pass.wgsl.js';
import { fusedShape, type SubgroupChoice } from './variants.js';
import type { KernelSource } from './wgsl-bindings.js';
import { ATTENTION_IOS, usesF16 } from './wgsl-float16.js';

/** Head-size buckets up to and beyond the largest a fused variant can hold (more than 128 per lane). */
const BUCKETS = [32, 64, 128, 256, 512, 1024, 2048];
const SUBGROUP_CHOICES: readonly SubgroupChoice[] = ['auto', true, false];

/** Every kernel source for a device of `profile`, one per cache key. */
export function kernelCatalog(profile: DeviceProfile): KernelSource[] {
  const all = new Map<string, KernelSource>();
  const add = (k: KernelSource): void => {
    all.set(k.key, k);
  };
  const ios = ATTENTION_IOS.filter((io) => profile.shaderF16 || !usesF16(io));
  for (const io of ios) {
    for (const dk of BUCKETS)
      for (const dv of BUCKETS)
        for (const sq of [1, 2])
          for (const sg of SUBGROUP_CHOICES) {
            const s = fusedShape(profile, dk, dv, sq, sg, io.input === 'f16' ? 2 : 4);
            if (s) add(fusedAttentionKernel(s, io));
          }
    add(scoresKernelFor(io.input));
    add(additiveScoresKernelFor(io.input));
    add(weightedSumKernelFor(io));
  }
  add(softmaxKernel);
  for (const k of ENCODER_KERNELS) if (profile.shaderF16 || !k.key.includes('shader-f16')) add(k);
  return [...all.values()];
}
