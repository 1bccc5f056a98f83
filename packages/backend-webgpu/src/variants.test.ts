import { describe, expect, it } from 'vitest';
import type { DeviceProfile } from './gpu-context.js';
import { bucket, fusedShape } from './variants.js';

const base: DeviceProfile = {
  maxWorkgroupStorage: 16384,
  maxInvocations: 256,
  maxWorkgroupSizeX: 256,
  maxWorkgroupsPerDimension: 65535,
  maxBinding: 128 << 20,
  maxBufferSize: 256 << 20,
  offsetAlignment: 256,
  subgroupMinSize: 0,
  software: false,
  shaderF16: false,
};

describe('fused kernel variants follow the device limits', () => {
  it('fit K and V tiles in the workgroup storage', () => {
    for (const storage of [16384, 32768]) {
      for (const d of [8, 64, 128]) {
        const s = fusedShape({ ...base, maxWorkgroupStorage: storage }, d, d, 100)!;
        expect(4 * s.tk * (s.dk + s.dv)).toBeLessThanOrEqual(storage);
        expect(s.tk).toBeLessThanOrEqual(32);
      }
    }
    expect(fusedShape({ ...base, maxWorkgroupStorage: 32768 }, 64, 64, 100)!.tk).toBe(32);
    expect(fusedShape(base, 64, 64, 100)!.tk).toBe(16);
    // f16 tiles (shader-f16) take half the bytes: twice the keys fit.
    for (const d of [64, 128, 256]) {
      const s = fusedShape({ ...base, subgroupMinSize: 32 }, d, d, 100, 'auto', 2)!;
      expect(2 * s.tk * (s.dk + s.dv)).toBeLessThanOrEqual(16384);
    }
    expect(fusedShape(base, 64, 64, 100, 'auto', 2)!.tk).toBe(32);
    expect(fusedShape(base, 128, 128, 100, 'auto', 2)!.tk).toBe(16);
    expect(fusedShape(base, 128, 128, 100)!.tk).toBe(8);
  });

  it('use subgroup lanes only with the feature, never more than the smallest subgroup', () => {
    expect(fusedShape(base, 64, 64, 100)!.lanes).toBe(1);
    expect(fusedShape({ ...base, subgroupMinSize: 4 }, 64, 64, 100)!.lanes).toBe(4);
    expect(fusedShape({ ...base, subgroupMinSize: 32 }, 64, 64, 100)!.lanes).toBe(8);
    expect(fusedShape({ ...base, subgroupMinSize: 2 }, 64, 64, 100)!.lanes).toBe(2);
    expect(fusedShape({ ...base, subgroupMinSize: 32 }, 64, 64, 100, false)!.lanes).toBe(1);
  });

  it('stay within the invocation limit, with one row for decoding', () => {
    for (const sg of [0, 4, 32]) {
      const s = fusedShape({ ...base, subgroupMinSize: sg, maxInvocations: 64, maxWorkgroupSizeX: 64 }, 32, 32, 100)!;
      expect(s.tq * s.lanes).toBeLessThanOrEqual(64);
    }
    expect(fusedShape(base, 32, 32, 1)!.tq).toBe(1);
  });

  it('use small tiles on a software adapter, and leave huge heads to the three-pass kernel', () => {
    expect(fusedShape({ ...base, software: true, maxWorkgroupStorage: 32768 }, 64, 64, 100)!.tk).toBe(8);
    expect(fusedShape({ ...base, software: true, subgroupMinSize: 4 }, 64, 64, 100)!.lanes).toBe(1);
    expect(fusedShape({ ...base, software: true, subgroupMinSize: 4 }, 64, 64, 100, true)!.lanes).toBe(4);
    expect(fusedShape(base, 1024, 1024, 100)).toBeUndefined();
  });

  it('compile head sizes in buckets', () => {
    expect([1, 7, 32, 33, 64, 80].map(bucket)).toEqual([32, 32, 32, 64, 64, 128]);
  });
});
