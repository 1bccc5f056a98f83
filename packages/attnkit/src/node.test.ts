import { afterEach, describe, expect, it, vi } from 'vitest';
import { plugin as webgpu } from '@attnkit/backend-webgpu';
import { doctor } from './doctor.js';
import { defaultPlugins, select, softwareAdapter } from './node.js';

describe('attnkit in Node', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('ranks onnx, then webgpu, then ts, then tfjs', () => {
    expect(defaultPlugins.map((p) => p.plugin.name)).toEqual(['onnx', 'webgpu', 'ts', 'tfjs']);
  });

  it('registers tfjs when it is installed (force and prefer reach it)', async () => {
    const { backend, report } = await select({ force: 'tfjs' });
    expect(backend.name).toBe('tfjs');
    expect(report.find((e) => e.name === 'tfjs')?.status).toBe('chosen');
    await backend.dispose();
  }, 60_000);

  it('forces a backend by option and by ATTNKIT_BACKEND, the option winning', async () => {
    const a = await select({ force: 'ts' });
    expect(a.backend.name).toBe('ts');
    expect(a.report.find((e) => e.name === 'onnx')?.status).toBe('not-preferred');
    await a.backend.dispose();
    vi.stubEnv('ATTNKIT_BACKEND', 'ts');
    const b = await select();
    expect(b.backend.name).toBe('ts');
    await b.backend.dispose();
    await expect(select({ force: 'nope' })).rejects.toMatchObject({ code: 'ERR_NO_BACKEND' });
  });

  it('counts WebGPU only with a hardware adapter unless forced', async () => {
    const raw = await webgpu.probe();
    const { backend, report } = await select({ prefer: ['webgpu'] });
    const gpu = report.find((e) => e.name === 'webgpu')!;
    if (!raw.available) expect(gpu).toMatchObject({ status: 'unavailable', reason: raw.reason });
    else if (softwareAdapter(raw.adapter))
      expect(gpu).toMatchObject({
        status: 'unavailable',
        reason: expect.stringMatching(/only a (fallback|software) adapter/),
      });
    else expect(gpu.status).toBe('chosen');
    await backend.dispose();
  });

  it('doctor prints every backend and the choice', async () => {
    const lines: string[] = [];
    const code = await doctor({}, (l) => lines.push(l));
    const text = lines.join('\n');
    expect(code).toBe(0);
    for (const name of ['onnx', 'webgpu', 'ts', 'tfjs']) expect(text).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(text).toContain('select() would choose:');
    const json: string[] = [];
    await doctor({ json: true }, (l) => json.push(l));
    expect(JSON.parse(json.join('\n')).plugins).toHaveLength(4);
  }, 60_000);
});
