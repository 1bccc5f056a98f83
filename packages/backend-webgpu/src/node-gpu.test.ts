/**
 * The `GPU` objects of Node: one per set of options for the process. Dawn tears an instance down when its
 * object is collected, and a collection while another instance was in use crashed test processes now and
 * then (a segmentation fault in Dawn's event processing, after the tests of a file that made a device per
 * test had passed).
 */
import { describe, expect, it } from 'vitest';
import { createWebGpuBackend, nodeGpu } from './node.js';

describe('nodeGpu', () => {
  it('hands out one object per set of options, made once', async () => {
    const [a, b] = await Promise.all([nodeGpu(), nodeGpu()]);
    expect(a).toBe(b);
    expect(await nodeGpu({})).toBe(a);
    const flagged = await nodeGpu({ flags: ['enable-dawn-features=allow_unsafe_apis'] });
    expect(flagged).not.toBe(a);
    expect(await nodeGpu({ flags: ['enable-dawn-features=allow_unsafe_apis'] })).toBe(flagged);
  });

  it('backends made without a device or GPU object share the one GPU object', async () => {
    const gpu = await nodeGpu();
    let requests = 0;
    const request = gpu.requestAdapter.bind(gpu);
    gpu.requestAdapter = (o?: GPURequestAdapterOptions) => {
      requests++;
      return request(o);
    };
    try {
      for (let i = 0; i < 2; i++) await (await createWebGpuBackend()).dispose();
      expect(requests).toBeGreaterThanOrEqual(2);
    } finally {
      gpu.requestAdapter = request;
    }
  });
});
