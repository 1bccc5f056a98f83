import { describe, expect, it } from 'vitest';
import { ATTENTION_FIELDS } from './attention-inputs.js';
import { packFields, wgslStruct } from './wgsl-struct.js';

const FIELDS = { n: 'u32', shift: 'i32', eps: 'f32' } as const;

describe('a uniform block', () => {
  it('packs its values in field order as little-endian 4-byte scalars, padded to 16 bytes', () => {
    const view = new DataView(packFields(FIELDS, { eps: 0.5, n: 7, shift: -2 }));
    expect(view.byteLength).toBe(16);
    expect([view.getUint32(0, true), view.getInt32(4, true), view.getFloat32(8, true)]).toEqual([7, -2, 0.5]);
  });

  it('declares the same fields, in the same order, as its WGSL struct', () => {
    expect(wgslStruct('Params', FIELDS)).toBe('struct Params {\n  n: u32,\n  shift: i32,\n  eps: f32,\n}');
  });

  it('refuses a missing field, naming it, instead of packing 0', () => {
    expect(() => packFields(FIELDS, { n: 7, shift: 0 } as never)).toThrow(/uniform field "eps" has no value/);
    expect(() => packFields(FIELDS, { n: 7, shift: undefined, eps: 1 } as never)).toThrow(/"shift"/);
  });

  it('refuses a value that names no field (a misspelt field is not dropped silently)', () => {
    expect(() => packFields(FIELDS, { n: 7, shift: 0, eps: 1, epsilon: 1 } as never)).toThrow(
      /"epsilon" is not a field of the block \(fields: n, shift, eps\)/,
    );
  });

  it('refuses a missing attention parameter', () => {
    const values = Object.fromEntries(
      Object.keys(ATTENTION_FIELDS)
        .filter((f) => f !== 'softcap')
        .map((f) => [f, 1]),
    );
    expect(() => packFields(ATTENTION_FIELDS, values as never)).toThrow(/uniform field "softcap" has no value/);
  });
});
