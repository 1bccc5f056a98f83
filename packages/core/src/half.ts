/**
 * IEEE 754 binary16 ("half", float16) storage: conversion between half bits in a `Uint16Array` and float32.
 * Narrowing rounds to nearest, ties to even, as hardware does; values beyond ±65504 become ±Infinity, and
 * NaN stays NaN. Widening is exact.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The half bits of one number, rounded to nearest even. */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0); // Inf, NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow to Infinity
  if (e <= 0) {
    // A subnormal half (or zero): shift the mantissa with its implicit bit, rounding to nearest even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Rounding up may carry into the exponent, up to Infinity: that is the correct result.
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

let table: Float32Array | undefined;

/** Every half's float32 value, built once (256 KiB). */
function halfTable(): Float32Array {
  if (table) return table;
  table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    table[h] =
      exp === 0
        ? sign * mant * 2 ** -24
        : exp === 0x1f
          ? mant === 0
            ? sign * Infinity
            : NaN
          : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return table;
}

/** The float32 value of one half. */
export function fromHalfBits(h: number): number {
  return halfTable()[h & 0xffff]!;
}

/**
 * Narrows numbers to half bits.
 *
 * @example
 * ```ts
 * const bits = float16Bits(Float32Array.of(1, 0.1, 70000)); // Uint16Array [0x3c00, 0x2e66, 0x7c00]
 * ```
 */
export function float16Bits(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]!);
  return out;
}

/**
 * Widens half bits to float32 (exact).
 *
 * @example
 * ```ts
 * float32FromHalf(Uint16Array.of(0x3c00, 0xc000)); // Float32Array [1, -2]
 * ```
 */
export function float32FromHalf(bits: Uint16Array): Float32Array {
  const t = halfTable();
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = t[bits[i]!]!;
  return out;
}
