import { attentionCase, makeInputs, modelCases } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { createWebGpuBackend } from './node.js';
import { liveBuffers, testDevice } from './test-support.js';

describe('GPU buffers', () => {
  it('are pooled across calls of the same shapes and all destroyed on dispose (the given device survives)', async () => {
    const t = await testDevice();
    const backend = await createWebGpuBackend({ device: t.device });
    const { q, k, v } = makeInputs({ B: 2, Hq: 4, Hkv: 2, Sq: 20, Sk: 33, Dk: 8, Dv: 6 }, 3);
    const fused = attentionCase('fused', q, k, v, { causal: true });
    const weights = attentionCase('weights', q, k, v, { attentionMap: 'probs', window: { left: 4, right: 4 } });
    await fused.run(backend);
    await weights.run(backend);
    const afterFirst = t.buffers.size;
    await fused.run(backend);
    await weights.run(backend);
    expect(t.buffers.size).toBe(afterFirst);
    await modelCases()
      .find((c) => c.id === 'models/learned-gqa-pooled')!
      .run(backend);
    expect(liveBuffers(t)).toBeGreaterThan(0);
    await backend.dispose();
    expect(liveBuffers(t)).toBe(0);
    expect(t.buffers.size).toBeGreaterThan(10);
    expect(t.uncaptured).toEqual([]);
    t.device.destroy();
  });

  it('of a disposed model are handed back; the backend keeps working', async () => {
    const t = await testDevice();
    const backend = await createWebGpuBackend({ device: t.device });
    const model = modelCases().find((c) => c.id === 'models/none-post-relu')!;
    await model.run(backend); // compiles, runs twice, disposes
    const live = liveBuffers(t);
    await model.run(backend);
    expect(liveBuffers(t)).toBe(live);
    await backend.dispose();
    expect(liveBuffers(t)).toBe(0);
    t.device.destroy();
  });
});
