/**
 * Every kernel variant against the float64 reference (through the conformance cases): the fused kernel
 * with one lane per row and with subgroup lanes, and the three-pass kernel, on a device whose uncaptured
 * errors are recorded. The picked cases run on arrays and on resident tensors (`handles/...`).
 */
import { attentionCases, modelCases, residentCases, runCases } from '@attnkit/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend, type WebGpuBackendOptions } from './node.js';
import { testDevice } from './test-support.js';

const PICK =
  /\/(plain|causal|window-causal|bias-mask-4d|bool-mask-keys|graph|alibi|softcap|key-lengths-causal|past-.*)\/(odd|mqa-dv|tiles|past-decode|past-tiles)$|random-(1|7|13|26)$/;

const variants: [string, WebGpuBackendOptions][] = [
  ['fused, one lane per row', { kernel: 'fused', subgroups: false }],
  ['fused, subgroup lanes', { kernel: 'fused', subgroups: true }],
  ['three-pass', { kernel: 'three-pass' }],
];

for (const [name, options] of variants) {
  describe(`kernel variant: ${name}`, async () => {
    const t = await testDevice();
    const backend = await createWebGpuBackend({ ...options, device: t.device });
    afterAll(async () => {
      await backend.dispose();
      t.device.destroy();
    });

    it('matches the reference on masks, windows, graphs, GQA, Dv ≠ Dk, past and random combinations', async () => {
      const cases = attentionCases().filter((c) => PICK.test(c.id));
      expect(cases.length).toBeGreaterThan(30);
      const failed = (await runCases(backend, cases)).filter((o) => o.status !== 'passed');
      expect(failed).toEqual([]);
    });

    it('decodes through key/value caches (grouped heads, a sliding window, handles in and out)', async () => {
      const cases = residentCases().filter((c) => c.id.startsWith('decode/'));
      expect(cases.length).toBe(3);
      const failed = (await runCases(backend, cases)).filter((o) => o.status !== 'passed');
      expect(failed).toEqual([]);
    });

    it('runs compiled models', async () => {
      const cases = modelCases().filter((c) => /rope-causal|alibi-post-pooled|per-layer/.test(c.id));
      expect(cases.map((c) => c.id)).toEqual([
        'models/rope-causal',
        'models/alibi-post-pooled',
        'models/per-layer-attention',
      ]);
      const failed = (await runCases(backend, cases)).filter((o) => o.status !== 'passed');
      expect(failed).toEqual([]);
    });

    it('raised no uncaptured WebGPU error', () => {
      expect(t.uncaptured).toEqual([]);
    });
  });
}
