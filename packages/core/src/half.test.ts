import { describe, expect, it } from 'vitest';
import { float16Bits, float32FromHalf, fromHalfBits, toHalfBits } from './half.js';
import { halfTensor, toFloat16, toFloat32 } from './half-tensor.js';
import { prepareAttention } from './attention-problem.js';
import { tensor } from './tensor.js';
import { AttnkitError } from './errors.js';

/** The value of half bits, from the IEEE 754 binary16 definition. */
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * 2 ** (e - 15) * (1 + m / 1024);
}

describe('float16 conversion', () => {
  it('widens every half exactly, and narrows it back to itself', () => {
    const all = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const wide = float32FromHalf(all);
    const back = float16Bits(wide);
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const want = halfValue(h);
      const ok = Number.isNaN(want)
        ? Number.isNaN(wide[h]!) && (back[h]! & 0x7c00) === 0x7c00 && (back[h]! & 0x3ff) !== 0
        : wide[h] === want && back[h] === h;
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it('rounds to the nearest half, ties to even', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(toHalfBits(65504)).toBe(0x7bff); // the largest half
    expect(toHalfBits(65519)).toBe(0x7bff); // below the midpoint to 65536
    expect(toHalfBits(65520)).toBe(0x7c00); // the midpoint rounds to even: Infinity
    expect(toHalfBits(1e6)).toBe(0x7c00);
    expect(toHalfBits(-Infinity)).toBe(0xfc00);
    expect(toHalfBits(2 ** -24)).toBe(1); // the smallest subnormal
    expect(toHalfBits(2 ** -25)).toBe(0); // a tie between 0 and 2^-24: even is 0
    expect(toHalfBits(3 * 2 ** -26)).toBe(1);
    expect(toHalfBits(3 * 2 ** -25)).toBe(2); // a tie between 1 and 2 units: even is 2
    expect(toHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie, even mantissa
    expect(toHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, odd mantissa rounds up
    expect(toHalfBits(-0)).toBe(0x8000);
    expect(fromHalfBits(0x7e00)).toBeNaN();
  });

  it('picks a nearest half for random float32 values across the range', () => {
    let seed = 7;
    const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const wrong: number[] = [];
    for (let n = 0; n < 20000; n++) {
      const x = Math.fround(rand() * 2 ** Math.round(rand() * 20 - 4));
      const h = toHalfBits(x);
      const got = halfValue(h);
      // No other finite half is nearer (neighbours by bit pattern, on the same side of zero).
      for (const other of [h - 1, h + 1]) {
        if ((other & 0x7fff) >= 0x7c00 || other < 0 || (other ^ h) & 0x8000) continue;
        if (Math.abs(x - got) > Math.abs(x - halfValue(other))) wrong.push(x);
      }
    }
    expect(wrong).toEqual([]);
  });
});

describe('float16 tensors in a call', () => {
  const shape = [1, 1, 2, 2];
  const f32 = tensor([0.5, -1, 2, 0.25], shape);
  it('converts both ways', () => {
    expect(toFloat32(toFloat16(f32)).data).toEqual(f32.data);
    expect(halfTensor([0.5, -1, 2, 0.25], shape).data).toEqual(Uint16Array.of(0x3800, 0xbc00, 0x4000, 0x3400));
  });

  it('widens float16 inputs exactly for the kernels, and says so in the problem', () => {
    const h = halfTensor([0.1, 0.2, 0.3, 0.4], shape);
    const p = prepareAttention(h, h, h);
    expect(p.dtype).toBe('float16');
    expect(p.outputDtype).toBe('float16');
    expect(Array.from(p.q)).toEqual(Array.from(h.data, fromHalfBits));
    expect(prepareAttention(h, h, h, { outputDtype: 'float32' }).outputDtype).toBe('float32');
  });

  it('refuses mixed dtypes, unlabelled half bits and a wrong dtype, naming the argument', () => {
    const h = toFloat16(f32);
    const codeOf = (f: () => unknown): [string, string | undefined] => {
      try {
        f();
      } catch (e) {
        if (e instanceof AttnkitError) return [e.code, e.argument];
        throw e;
      }
      throw new Error('expected a refusal');
    };
    expect(codeOf(() => prepareAttention(h, f32, h))).toEqual(['ERR_DTYPE', 'k']);
    expect(codeOf(() => prepareAttention(f32, f32, h))).toEqual(['ERR_DTYPE', 'v']);
    const past = { key: tensor(new Float32Array(2), [1, 1, 1, 2]), value: tensor(new Float32Array(2), [1, 1, 1, 2]) };
    expect(codeOf(() => prepareAttention(h, h, h, { past }))).toEqual(['ERR_DTYPE', 'options.past.key']);
    expect(codeOf(() => prepareAttention({ shape, data: h.data } as never, f32, f32))).toEqual(['ERR_TYPE', 'q']);
    expect(codeOf(() => prepareAttention({ ...f32, dtype: 'float16' } as never, f32, f32))).toEqual(['ERR_TYPE', 'q']);
    expect(codeOf(() => prepareAttention({ ...f32, dtype: 'bfloat16' } as never, f32, f32))).toEqual([
      'ERR_TYPE',
      'q.dtype',
    ]);
    expect(codeOf(() => prepareAttention(h, h, h, { outputDtype: 'int8' as never }))).toEqual([
      'ERR_OPTION',
      'options.outputDtype',
    ]);
  });

  it('finds a non-finite half like a non-finite float', () => {
    const bad = halfTensor(Uint16Array.of(0x3c00, 0x7c00, 0, 0), shape);
    expect(() => prepareAttention(bad, bad, bad)).toThrow(/q: element 1 is Infinity/);
  });
});

describe('float16 calls for kernels that take halves', () => {
  const shape = [1, 2, 3, 4];
  const bits = float16Bits(Float32Array.from({ length: 24 }, (_, i) => (i - 12) / 7));
  const h = halfTensor(bits, shape);

  it('hands the bits over and widens q, k and v only when read, exactly and once', () => {
    const p = prepareAttention(h, h, h, {}, { halves: true });
    expect(p.halves?.q).toBe(h.data);
    expect(p.halves?.k).toBe(h.data);
    const q = p.q;
    expect(Array.from(q)).toEqual(Array.from(bits, halfValue));
    expect(p.q).toBe(q);
    expect(p.dtype).toBe('float16');
    // Layouts core converts (packed) and pasts still widen up front, with no halves.
    const packed = halfTensor(bits, [1, 3, 8]);
    expect(prepareAttention(packed, packed, packed, { heads: { q: 2 } }, { halves: true }).halves).toBeUndefined();
  });

  it('finds a non-finite half in the bits, naming the tensor and element as the float32 scan does', () => {
    for (const [at, h16, text] of [
      [5, 0x7c00, 'Infinity'],
      [7, 0xfe00, 'NaN'],
    ] as const) {
      const bad = bits.slice();
      bad[at] = h16;
      const t = halfTensor(bad, shape);
      for (const halves of [true, false])
        expect(() => prepareAttention(h, t, h, {}, { halves })).toThrow(`k: element ${at} is ${text}`);
    }
  });

  it('applies the range rule on the exact largest magnitudes', () => {
    const big = halfTensor(float16Bits(Float32Array.from({ length: 24 }, () => 60000)), shape);
    // Dk · 60000² · scale: beyond 2^100 at scale 1e22, within it at 1e19.
    for (const halves of [true, false]) {
      expect(() => prepareAttention(big, big, h, { scale: 1e22 }, { halves })).toThrow(/^q: magnitudes/);
      expect(() => prepareAttention(big, big, h, { scale: 1e19 }, { halves })).not.toThrow();
    }
  });

  it('counts no float32 copies of the inputs for such kernels', () => {
    // Output 24 · 4 bytes; the copies 3 · 24 · 4 more.
    const limit = 24 * 4 + 50;
    expect(() => prepareAttention(h, h, h, { maxBytes: limit }, { halves: true })).not.toThrow();
    expect(() => prepareAttention(h, h, h, { maxBytes: limit })).toThrow(/float32 copies of the float16 inputs/);
    let seen: boolean | undefined;
    prepareAttention(h, h, h, {}, { halves: true, memory: { scratchBytes: (d) => ((seen = d.halfInputs), 0) } });
    expect(seen).toBe(true);
  });
});
