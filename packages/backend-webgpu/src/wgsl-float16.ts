/**
 * float16 in the kernels, two ways:
 *
 * - `shader-f16`: on devices with the `shader-f16` feature, float16 tensors are bound as `array<f16>`
 *   (workgroup tiles too) and every value is widened with `f32(x)` where it is used: products, sums,
 *   softmax and weighted sums are float32. A float16 output is narrowed by {@link TO_HALF_WGSL}'s integer
 *   round-to-nearest-even and stored through `bitcast<vec2<f16>>`, not by the conversion `f16(x)`: WGSL
 *   lets that conversion round to either neighbour of a value it cannot represent, and core rounds to
 *   nearest, ties to even. Both paths therefore narrow the same float32 value to the same half.
 * - `packed`: everywhere else, halves travel packed two to a `u32`, widened with `unpack2x16float` and
 *   narrowed with {@link TO_HALF_WGSL} (see encoder-ops.wgsl.ts).
 */

/** Which road float16 tensors take on a device: WGSL `f16` storage, or halves packed two to a `u32`. */
export type Float16Path = 'shader-f16' | 'packed';

/**
 * The `float16` option: `'auto'` uses `shader-f16` where the device has the feature, `'packed'` always
 * uses packed halves (e.g. to compare both roads on one GPU).
 */
export type Float16Choice = 'auto' | 'packed';

/** The road float16 tensors take on a device with (or without) `shader-f16`. */
export function float16Path(shaderF16: boolean, choice: Float16Choice = 'auto'): Float16Path {
  return shaderF16 && choice !== 'packed' ? 'shader-f16' : 'packed';
}

/** A WGSL element type of tensor storage. */
export type ElementType = 'f32' | 'f16';

/** The storage of an attention kernel's q, k, v (`input`) and of its output. */
export interface AttentionIo {
  readonly input: ElementType;
  readonly output: ElementType;
}

/** float32 in, float32 out (every call but the float16 ones on the `shader-f16` road). */
export const F32_IO: AttentionIo = { input: 'f32', output: 'f32' };

/** Every storage combination the attention kernels are built for. */
export const ATTENTION_IOS: readonly AttentionIo[] = [
  F32_IO,
  { input: 'f16', output: 'f16' },
  { input: 'f16', output: 'f32' },
];

/** The storage of a call with inputs of `dtype` and a result of `outputDtype` on `path`. */
export function attentionIo(dtype: string, outputDtype: string, path: Float16Path): AttentionIo {
  if (dtype !== 'float16' || path !== 'shader-f16') return F32_IO;
  return { input: 'f16', output: outputDtype === 'float16' ? 'f16' : 'f32' };
}

/** The suffix of a kernel key for `io` (empty for float32). */
export function ioKey(io: AttentionIo): string {
  return io.input === 'f32' && io.output === 'f32' ? '' : `/in-${io.input}/out-${io.output}`;
}

/** Whether `io` stores anything as `f16`. */
export function usesF16(io: AttentionIo): boolean {
  return io.input === 'f16' || io.output === 'f16';
}

/** The WGSL enable directive `f16` needs (it must come before any declaration), or nothing. */
export function enableF16(on: boolean): string {
  return on ? 'enable f16;\n' : '';
}

/** WGSL expression: the value `e` of storage type `t` as f32. */
export function widen(t: ElementType, e: string): string {
  return t === 'f16' ? `f32(${e})` : e;
}

/**
 * WGSL `toHalf(v: f32) -> u32`: the bits of the half nearest `v`, ties to even, with integer operations
 * (core's rounding on the CPU). `v` must be finite and within ±65504.
 */
export const TO_HALF_WGSL = /* wgsl */ `
fn toHalf(v: f32) -> u32 {
  let b = bitcast<u32>(v);
  let sign = (b >> 16u) & 0x8000u;
  let e = i32((b >> 23u) & 0xffu) - 112;
  let m = b & 0x7fffffu;
  if (e <= 0) {
    if (e < -10) { return sign; }
    let full = m | 0x800000u;
    let shift = u32(14 - e);
    let h = full >> shift;
    let rest = full & ((1u << shift) - 1u);
    let mid = 1u << (shift - 1u);
    return sign | (h + select(0u, 1u, rest > mid || (rest == mid && (h & 1u) == 1u)));
  }
  let h = (u32(e) << 10u) | (m >> 13u);
  let rest = m & 0x1fffu;
  return sign | (h + select(0u, 1u, rest > 0x1000u || (rest == 0x1000u && (h & 1u) == 1u)));
}
`;

/** WGSL `halfOf(v: f32) -> f16`: {@link TO_HALF_WGSL}'s rounding as an `f16` (needs `enable f16`). */
export const HALF_OF_WGSL = /* wgsl */ `${TO_HALF_WGSL}
// Both halves of the word hold the bits, so either component is the half whatever the order.
fn halfOf(v: f32) -> f16 {
  let h = toHalf(v);
  return bitcast<vec2<f16>>(h | (h << 16u)).x;
}
`;

/** WGSL expression: the f32 value `e` narrowed for storage type `t`. */
export function narrow(t: ElementType, e: string): string {
  return t === 'f16' ? `halfOf(${e})` : e;
}

/** The narrowing functions a kernel with output storage `t` needs. */
export function narrowing(t: ElementType): string {
  return t === 'f16' ? HALF_OF_WGSL : '';
}
