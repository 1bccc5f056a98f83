/**
 * Kernel variants chosen from the device's limits.
 *
 * - Lanes per query row: 1, or with the `subgroups` feature (on hardware adapters, unless forced) a power
 *   of two up to the smallest subgroup size (at most 8, and at most the head-size bucket / 8 so each lane
 *   keeps ≥ 8 elements), so a row's lanes always share a subgroup and sum their dot products with
 *   xor-shuffles.
 * - Keys per tile: as many as fit K and V tiles (float32, or float16 on the `shader-f16` road) in the
 *   workgroup storage, at most 32; at most 8 on a
 *   software (fallback) adapter, whose shader compiler unrolls the per-tile loop (compile time and
 *   register spills grow with the tile there).
 * - Rows per workgroup: 64 invocations in all (the portable sweet spot; WebGPU guarantees 256); a
 *   single query (decoding) gets one row.
 * Head sizes too large for registers (more than 128 values per lane) use the three-pass kernel.
 */
import type { DeviceProfile } from './gpu-context.js';
import type { FusedShape } from './flash-attention.wgsl.js';

/** Which attention kernel to use: `auto` (fused unless weights are requested), or forced (weights always take the three-pass kernel). */
export type AttentionKernelChoice = 'auto' | 'fused' | 'three-pass';

/** Invocations per fused workgroup. */
const THREADS = 64;
/** Largest per-lane register array (q slice, accumulator slice). */
const MAX_PER_LANE = 128;

function floorPow2(x: number): number {
  return x < 1 ? 0 : 2 ** Math.floor(Math.log2(x));
}

/**
 * Whether to use subgroup lanes: `auto` uses them on hardware adapters that have the feature (on a
 * software adapter one lane per row measured about twice as fast: its tile loads are shared by 4× more
 * rows); `true` whenever the device has the feature; `false` never.
 */
export type SubgroupChoice = 'auto' | boolean;

/**
 * The fused variant for this device and shape, or `undefined` when only the three-pass kernel fits.
 * `elementBytes`: the size of a K/V tile element (2 for `f16` tiles on the `shader-f16` road).
 */
export function fusedShape(
  profile: DeviceProfile,
  dk: number,
  dv: number,
  sq: number,
  subgroups: SubgroupChoice = 'auto',
  elementBytes: 2 | 4 = 4,
): FusedShape | undefined {
  const bk = bucket(dk),
    bv = bucket(dv);
  let lanes = 1;
  const use = subgroups === 'auto' ? !profile.software : subgroups;
  if (use && profile.subgroupMinSize >= 2) lanes = Math.max(1, Math.min(floorPow2(profile.subgroupMinSize), 8, bk / 8));
  if (bk / lanes > MAX_PER_LANE || bv / lanes > MAX_PER_LANE) return undefined;
  const budget = profile.maxWorkgroupStorage - 64;
  const tk = Math.min(profile.software ? 8 : 32, floorPow2(budget / (elementBytes * (bk + bv))));
  if (tk < 4) return undefined;
  const threads = Math.min(THREADS, floorPow2(profile.maxInvocations), floorPow2(profile.maxWorkgroupSizeX));
  // Decoding (one query) gets a one-row variant; everything else the full tile.
  const tq = sq === 1 ? 1 : Math.max(1, threads / lanes);
  return { dk: bk, dv: bv, tq, tk, lanes };
}

/**
 * Head sizes are compiled in buckets (powers of two, at least 32): a handful of pipelines serves every
 * shape, so shader compilation (slow on software adapters) happens a few times, not per head size.
 */
export function bucket(d: number): number {
  return Math.max(32, 2 ** Math.ceil(Math.log2(Math.max(1, d))));
}

/** Cache key of a fused shape. */
export function shapeKey(s: FusedShape): string {
  return `dk${s.dk}dv${s.dv}q${s.tq}k${s.tk}l${s.lanes}`;
}
