/**
 * The SIMD float16 conversions of one build of the kernels, against the IEEE 754 binary16 definition:
 * every half widened, narrowing's edge cases, and random float32 values narrowed to the nearest half.
 */
import { expect, it } from 'vitest';
import { compileKernels, instantiateKernels, type KernelVariant, type WasmKernels } from './wasm-kernels.js';
import { WasmArena } from './wasm-memory.js';

/** The value of half bits, from the binary16 definition. */
export function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * 2 ** (e - 15) * (1 + m / 1024);
}

/** The finite non-negative halves' values, by bits 0 … 0x7bff (increasing). */
const positive = Array.from({ length: 0x7c00 }, (_, h) => halfValue(h));

/**
 * The half nearest to `x` by the definition: the finite half of least distance, the one with an even
 * mantissa on a tie; beyond 65520 (the midpoint between 65504 and 2^16) Infinity; NaN a NaN.
 */
export function nearestHalf(x: number): number | 'nan' {
  if (Number.isNaN(x)) return 'nan';
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00;
  let lo = 0,
    hi = positive.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (positive[mid]! <= a) lo = mid;
    else hi = mid;
  }
  const dLo = a - positive[lo]!,
    dHi = positive[hi]! - a;
  const h = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return sign | h;
}

async function kernelsOf(variant: KernelVariant): Promise<{ k: WasmKernels; at: number }> {
  const arena = WasmArena.create(false)!;
  const module = await compileKernels(variant, false);
  const k = await instantiateKernels(module!, arena.memory);
  // 65536 float32 and as many halves, plus room for unaligned starts.
  const block = arena.allocate(65536 * 2 + 64);
  return { k, at: block.at };
}

/** Widens bits through the kernel at an element offset `shift` (so vector and scalar steps both run). */
function widen(k: WasmKernels, at: number, bits: Uint16Array, shift = 0): Float32Array {
  const h16 = new Uint16Array(k.memory.buffer);
  const src = at * 2 + shift,
    dst = at + 32768 + 16;
  h16.set(bits, src);
  k.exports.widenHalves(src * 2, dst * 4, bits.length);
  return k.f32().slice(dst, dst + bits.length);
}

function narrow(k: WasmKernels, at: number, values: Float32Array, shift = 0): Uint16Array {
  const src = at + 32768 + 16 + shift,
    dst = at * 2;
  k.f32().set(values, src);
  k.exports.narrowHalves(src * 4, dst * 2, values.length);
  return new Uint16Array(k.memory.buffer).slice(dst, dst + values.length);
}

/** Registers the conversion tests of `variant`. */
export function halfKernelTests(variant: KernelVariant): void {
  it(`${variant}: widens every one of the 65,536 halves to its exact value`, async () => {
    const { k, at } = await kernelsOf(variant);
    const all = Uint16Array.from({ length: 65536 }, (_, h) => h);
    for (const shift of [0, 3]) {
      const wide = widen(k, at, all, shift);
      const wrong: string[] = [];
      for (let h = 0; h < 65536; h++) {
        const want = halfValue(h);
        const ok = Number.isNaN(want) ? Number.isNaN(wide[h]!) : Object.is(wide[h], want);
        if (!ok) wrong.push(`${h.toString(16)}: ${wide[h]} (want ${want})`);
      }
      expect(wrong.slice(0, 10)).toEqual([]);
    }
    // A NaN keeps its payload's top bits (sign, quiet bit, mantissa), as float32 NaN bits.
    const bits = new Uint32Array(widen(k, at, Uint16Array.of(0x7e01, 0xfd55, 0x7c01)).buffer);
    expect(Array.from(bits, (b) => b.toString(16))).toEqual(['7fc02000', 'ffaaa000', '7f802000']);
  });

  it(`${variant}: narrows the edge cases to nearest even, overflow to Infinity, NaN to a quiet NaN`, async () => {
    const { k, at } = await kernelsOf(variant);
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff], // the largest half
      [65519.99, 0x7bff], // below the midpoint to 2^16
      [65520, 0x7c00], // the midpoint: even is Infinity
      [1e6, 0x7c00],
      [3.4e38, 0x7c00],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [-65520, 0xfc00],
      [2 ** -24, 0x0001], // the smallest subnormal
      [2 ** -25, 0], // a tie between 0 and 2^-24: even is 0
      [-(2 ** -25), 0x8000],
      [2 ** -25 * 1.0000001, 1],
      [3 * 2 ** -26, 1],
      [3 * 2 ** -25, 2], // a tie between 1 and 2 units: even is 2
      [5 * 2 ** -25, 2], // a tie between 2 and 3 units: even is 2
      [2 ** -14 - 2 ** -25, 0x0400], // the largest subnormal's upper tie: rounds up to the smallest normal
      [2 ** -14, 0x0400],
      [1023 * 2 ** -24, 0x03ff],
      [1e-45, 0], // a float32 subnormal
      [1 + 2 ** -11, 0x3c00], // tie, even mantissa stays
      [1 + 3 * 2 ** -11, 0x3c02], // tie, odd mantissa rounds up
      [2047, 0x67ff],
      [2049, 0x6800], // tie at 2^11: even
      [0, 0],
      [-0, 0x8000],
    ];
    const values = Float32Array.from(cases, ([x]) => x);
    for (const shift of [0, 1]) {
      const got = narrow(k, at, values, shift);
      const rows = cases.map(([x, want], i) => [x, got[i]!.toString(16), want.toString(16)]);
      expect(rows).toEqual(cases.map(([x, want]) => [x, want.toString(16), want.toString(16)]));
      // The expected bits are the definition's nearest half.
      expect(cases.map(([x]) => nearestHalf(Math.fround(x)))).toEqual(cases.map(([, w]) => w));
    }
    const nanBits = Uint32Array.of(0x7fc00000, 0xffc00000, 0x7f800001, 0x7fbfe000, 0xff812345);
    const nans = narrow(k, at, new Float32Array(nanBits.buffer));
    expect(Array.from(nans, (h) => h.toString(16))).toEqual(['7e00', 'fe00', '7e00', '7fff', 'fe09']);
    for (const h of nans) {
      expect(h & 0x7c00).toBe(0x7c00);
      expect(h & 0x200).toBe(0x200); // quiet
    }
  });

  it(`${variant}: narrows 20,000 random float32 values to the nearest half, ties to even`, async () => {
    const { k, at } = await kernelsOf(variant);
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const values = new Float32Array(20000);
    for (let n = 0; n < values.length; n++) values[n] = rand() * 2 ** Math.round(rand() * 20 - 4);
    // Exact ties of neighbouring halves (the midpoints), at random exponents.
    for (let n = 0; n < 2000; n++) {
      const h = Math.floor(((rand() + 1) / 2) * 0x7bff);
      values[n * 10] = (n % 2 ? -1 : 1) * ((halfValue(h) + halfValue(h + 1)) / 2);
    }
    const got = narrow(k, at, values);
    const wrong: string[] = [];
    for (let n = 0; n < values.length; n++) {
      const want = nearestHalf(values[n]!);
      if (got[n] !== want) wrong.push(`${values[n]}: ${got[n]!.toString(16)} (want ${want.toString(16)})`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
  });
}
