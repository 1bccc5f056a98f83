import { describe, expect, it } from 'vitest';
import type { Backend, BackendPlugin } from '@attnkit/core';
import { plugin as ts } from '@attnkit/backend-ts';
import { selectFrom, type PlatformPlugin } from './select.js';
import { tfjsRunsOn, tsRunsOn, webgpuRunsOn } from './devices.js';
import { select } from './node.js';

/** A plugin whose started backend reports `info` (the ts backend with its info replaced). */
function withInfo(name: string, info: Backend['info']): BackendPlugin {
  return {
    name,
    probe: async () => ({ available: true, reason: 'fake' }),
    async create() {
      const b = await ts.create();
      return new Proxy(b, { get: (t, k) => (k === 'name' ? name : k === 'info' ? info : Reflect.get(t, k)) });
    },
  };
}

describe('select({ device })', () => {
  it('maps what a started backend reports onto devices', () => {
    expect(tsRunsOn({ engine: 'TypeScript + WebAssembly SIMD' })).toEqual(['cpu', 'wasm']);
    expect(tsRunsOn({ engine: 'TypeScript' })).toEqual(['cpu']);
    expect(tfjsRunsOn({ tfjsBackend: 'wasm' })).toEqual(['cpu', 'wasm']);
    expect(tfjsRunsOn({ tfjsBackend: 'cpu' })).toEqual(['cpu']);
    expect(webgpuRunsOn({ fallbackAdapter: true })).toEqual(['cpu']);
    expect(webgpuRunsOn({ fallbackAdapter: false })).toEqual(['gpu']);
  });

  it('a software GPU adapter does not count as gpu, and the report says what it runs on', async () => {
    const plugins: PlatformPlugin[] = [
      {
        plugin: withInfo('soft-gpu', { fallbackAdapter: true, adapter: 'SwiftShader' }),
        priority: 20,
        why: '',
        devices: ['gpu'],
        runsOn: webgpuRunsOn,
      },
      { plugin: ts, priority: 10, why: '', devices: ['cpu', 'wasm'], runsOn: tsRunsOn },
    ];
    const e = await selectFrom(plugins, { device: 'gpu' }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'ERR_NO_BACKEND' });
    const report = (e as { report: { name: string; status: string; reason: string }[] }).report;
    expect(report.find((r) => r.name === 'soft-gpu')).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('runs on cpu here, not gpu'),
    });
    expect(report.find((r) => r.name === 'ts')).toMatchObject({
      status: 'not-preferred',
      reason: expect.stringContaining("device: 'gpu' was asked for"),
    });
  });

  it('wasm picks a WebAssembly backend over a higher-ranked native one', async () => {
    const plugins: PlatformPlugin[] = [
      { plugin: withInfo('native', { engine: 'native' }), priority: 30, why: '', devices: ['cpu'] },
      {
        plugin: withInfo('plain-js', { engine: 'TypeScript' }),
        priority: 20,
        why: '',
        devices: ['cpu', 'wasm'],
        runsOn: tsRunsOn,
      },
      {
        plugin: withInfo('simd', { engine: 'TypeScript + WebAssembly SIMD' }),
        priority: 10,
        why: '',
        devices: ['cpu', 'wasm'],
        runsOn: tsRunsOn,
      },
    ];
    const { backend, report } = await selectFrom(plugins, { device: 'wasm' });
    expect(backend.name).toBe('simd');
    expect(report.map((r) => [r.name, r.status])).toEqual([
      ['plain-js', 'failed'],
      ['simd', 'chosen'],
      ['native', 'not-preferred'],
    ]);
    await backend.dispose();
    const cpu = await selectFrom(plugins, { device: 'cpu' });
    expect(cpu.backend.name).toBe('native');
    await cpu.backend.dispose();
  });

  it('an unknown device is a typed option error', async () => {
    await expect(select({ device: 'tpu' as never })).rejects.toMatchObject({ code: 'ERR_OPTION' });
  });

  it('in Node, cpu never picks WebGPU and wasm picks a WebAssembly backend', async () => {
    const cpu = await select({ device: 'cpu' });
    expect(['onnx', 'ts', 'tfjs']).toContain(cpu.backend.name);
    expect(cpu.report.find((e) => e.name === 'webgpu')?.status).toBe('not-preferred');
    await cpu.backend.dispose();
    const wasm = await select({ device: 'wasm' });
    expect(['ts', 'tfjs']).toContain(wasm.backend.name);
    expect(wasm.report.find((e) => e.name === 'onnx')?.status).toBe('not-preferred');
    await wasm.backend.dispose();
  }, 60_000);
});
