import { describe, expect, it } from 'vitest';
import { createWebGpuPlugin, GpuUnavailableError, plugin } from './node.js';

describe('probe', () => {
  it('asks for a real adapter and reports its name and whether it is a fallback adapter', async () => {
    const r = await plugin.probe();
    expect(r.available).toBe(true);
    expect(r.adapter?.name).toBeTruthy();
    expect(typeof r.adapter?.fallback).toBe('boolean');
    expect(r.reason).toContain(r.adapter!.name);
    expect(r.reason).toMatch(/(fallback|hardware) adapter/);
  });

  it('says why when there is no GPU object', async () => {
    const p = createWebGpuPlugin(async () => {
      throw new GpuUnavailableError('navigator.gpu is missing: this environment has no WebGPU');
    });
    expect(await p.probe()).toEqual({
      available: false,
      reason: 'navigator.gpu is missing: this environment has no WebGPU',
    });
  });

  it('says why when the GPU object has no adapter', async () => {
    const gpu = { requestAdapter: async () => null } as unknown as GPU;
    const r = await createWebGpuPlugin(async () => gpu).probe();
    expect(r.available).toBe(false);
    expect(r.reason).toMatch(/requestAdapter\(\) returned no adapter.*--enable-unsafe-webgpu/);
    await expect(createWebGpuPlugin(async () => gpu).create()).rejects.toMatchObject({ code: 'ERR_BACKEND' });
  });
});
