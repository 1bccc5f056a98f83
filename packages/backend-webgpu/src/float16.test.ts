/**
 * float16 on the GPU: halves travel packed two to a u32 in both directions (uploads and the read-back are
 * half the float32 size), and the GPU's narrowing rounds as core's does, to the bit.
 */
import { float16Bits, prepareAttention, toFloat16, type HalfTensor } from '@attnkit/core';
import { makeInputs, referenceAttention } from '@attnkit/conformance';
import { describe, expect, it, vi } from 'vitest';
import { GpuBufferPool } from './gpu-buffer-pool.js';
import { createWebGpuBackend } from './node.js';
import { deviceDescriptor } from './device-descriptor.js';
import { float16Path } from './wgsl-float16.js';
import { testDevice } from './test-support.js';

describe('float16 on the GPU', () => {
  const shape = { B: 1, Hq: 2, Hkv: 1, Sq: 5, Sk: 9, Dk: 8, Dv: 6 };
  const f32 = makeInputs(shape, 31);
  const [q, k, v] = [f32.q, f32.k, f32.v].map(toFloat16) as [HalfTensor, HalfTensor, HalfTensor];

  it('uploads halves and reads halves back', async () => {
    const t = await testDevice();
    const backend = await createWebGpuBackend({ device: t.device });
    const seen = vi.spyOn(GpuBufferPool.prototype, 'upload');
    try {
      const r = await backend.attention(q, k, v, { causal: true });
      const sizes = seen.mock.calls.map(([data]) => data.byteLength);
      // q, k and v as halves: 2 bytes an element.
      expect(sizes.slice(0, 3)).toEqual([q.data.byteLength, k.data.byteLength, v.data.byteLength]);
      expect(r.output.dtype).toBe('float16');
      expect(r.output.data).toBeInstanceOf(Uint16Array);
    } finally {
      seen.mockRestore();
      await backend.dispose();
      t.device.destroy();
    }
  });

  it("narrows as core does: the GPU's halves are core's rounding of the GPU's float32 result", async () => {
    const t = await testDevice();
    const backend = await createWebGpuBackend({ device: t.device });
    try {
      const half = await backend.attention(q, k, v, { window: { left: 2, right: 3 } });
      const wide = await backend.attention(q, k, v, { window: { left: 2, right: 3 }, outputDtype: 'float32' });
      expect(wide.output.data).toBeInstanceOf(Float32Array);
      expect(Array.from(half.output.data)).toEqual(Array.from(float16Bits(wide.output.data)));
      // And both are the float64 reference on the same halves, within float32's tolerance.
      const ref = referenceAttention(prepareAttention(q, k, v, { window: { left: 2, right: 3 } })).output;
      for (let i = 0; i < ref.length; i++) expect(wide.output.data[i]).toBeCloseTo(ref[i]!, 5);
    } finally {
      await backend.dispose();
      t.device.destroy();
    }
  });
});

// The software adapter has no shader-f16 (the null adapter's checks are in shader-f16.test.ts, alone in their
// process: a null device and a software one in one process crashed it at exit, now and then).
describe('without shader-f16 (the software adapter)', () => {
  it('the device is requested without it and the backend takes the packed road', async () => {
    const t = await testDevice();
    try {
      expect(t.adapter.features.has('shader-f16')).toBe(false);
      expect(deviceDescriptor(t.adapter, false).requiredFeatures).not.toContain('shader-f16');
      const backend = await createWebGpuBackend({ device: t.device });
      expect(backend.info.float16).toBe('packed');
      await backend.dispose();
    } finally {
      t.device.destroy();
    }
  });

  it('the road follows the feature and the option', () => {
    expect(float16Path(false)).toBe('packed');
    expect(float16Path(false, 'auto')).toBe('packed');
    expect(float16Path(true)).toBe('shader-f16');
    expect(float16Path(true, 'packed')).toBe('packed');
  });
});
