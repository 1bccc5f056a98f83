import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, halfToFloat } from './safetensors.js';

describe('safetensors', () => {
  it('round-trips named float32 tensors and metadata', () => {
    const w = new Map([
      ['b.bias', { shape: [3], data: Float32Array.from([1.5, -2, 3.25]) }],
      ['a.weight', { shape: [2, 2], data: Float32Array.from([0.1, 0.2, 0.3, 0.4]) }],
    ]);
    const bytes = encodeSafetensors(w, { format: 'pt' });
    const header = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + header) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect([...back.tensors.keys()].sort()).toEqual(['a.weight', 'b.bias']);
    expect(back.tensors.get('a.weight')).toEqual(w.get('a.weight'));
    expect(back.tensors.get('b.bias')).toEqual(w.get('b.bias'));
  });

  it('reads F16 and F64 tensors as float32', () => {
    const header = JSON.stringify({
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      d: { dtype: 'F64', shape: [1], data_offsets: [4, 12] },
    });
    const bytes = new Uint8Array(8 + header.length + 12);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(0, BigInt(header.length), true);
    bytes.set(new TextEncoder().encode(header), 8);
    const at = 8 + header.length;
    view.setUint16(at, 0x3c00, true); // 1.0
    view.setUint16(at + 2, 0xc000, true); // -2.0
    view.setFloat64(at + 4, Math.PI, true);
    const t = decodeSafetensors(bytes).tensors;
    expect(Array.from(t.get('h')!.data)).toEqual([1, -2]);
    expect(t.get('d')!.data[0]).toBeCloseTo(Math.PI, 6);
  });

  it('decodes half-precision special values', () => {
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x3555)).toBeCloseTo(1 / 3, 3);
  });

  it('rejects malformed files with ERR_FORMAT', () => {
    expect(() => decodeSafetensors(new Uint8Array(3))).toThrow(expect.objectContaining({ code: 'ERR_FORMAT' }));
    const bytes = encodeSafetensors(new Map([['x', { shape: [4], data: new Float32Array(4) }]]));
    expect(() => decodeSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(/data offsets/);
    const bad = new Uint8Array(17);
    new DataView(bad.buffer).setBigUint64(0, 9n, true);
    bad.set(new TextEncoder().encode('{not json'), 8);
    expect(() => decodeSafetensors(bad)).toThrow(/not valid JSON/);
  });
});
