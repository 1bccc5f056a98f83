import { AttnkitError, biasMask } from '@attnkit/core';
import { attentionCase, makeInputs } from '@attnkit/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createWebGpuBackend } from './node.js';
import { testDevice } from './test-support.js';

describe('inputs larger than a storage binding', async () => {
  const t = await testDevice();
  // 4 KiB per binding: every (batch, key/value head) fits, the whole call does not.
  const backend = await createWebGpuBackend({ device: t.device, maxBindingSize: 4096 });
  afterAll(async () => {
    await backend.dispose();
    t.device.destroy();
  });
  const shape = { B: 3, Hq: 4, Hkv: 2, Sq: 12, Sk: 21, Dk: 8, Dv: 5 };
  const { q, k, v } = makeInputs(shape, 5);

  it('are split into runs of heads that fit (fused)', async () => {
    expect(q.data.byteLength).toBeGreaterThan(4096);
    await attentionCase('split fused', q, k, v, { causal: true, keyLengths: new Int32Array([21, 7, 0]) }).run(backend);
  });

  it('are split with the weights too (three-pass)', async () => {
    const mask = biasMask(
      Float32Array.from({ length: 12 * 21 }, (_, i) => (i % 5) - 2),
      [12, 21],
    );
    await attentionCase('split weights', q, k, v, { mask, attentionMap: 'probs' }).run(backend);
  });

  it('are refused with ERR_UNSUPPORTED naming the limit when one head alone is too large', async () => {
    const big = makeInputs({ B: 1, Hq: 1, Hkv: 1, Sq: 4, Sk: 300, Dk: 8, Dv: 8 }, 6);
    const e = await backend.attention(big.q, big.k, big.v).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AttnkitError);
    expect((e as AttnkitError).code).toBe('ERR_UNSUPPORTED');
    // Core refuses it from the backend's declared capabilities (the device's binding size), before the call.
    expect((e as AttnkitError).message).toMatch(/binds at once \(4096\)/);
    expect((e as AttnkitError).argument).toBe('k');
  });

  it('raised no uncaptured WebGPU error', () => {
    expect(t.uncaptured).toEqual([]);
  });
});
