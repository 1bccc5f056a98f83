import { AttnkitError, initWeights, resolveSpec } from '@attnkit/core';
import { attentionCase, makeInputs, tinyEncoderSpec } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { createWebGpuBackend } from './node.js';
import { testDevice } from './test-support.js';

async function failure(p: Promise<unknown>): Promise<AttnkitError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AttnkitError) return e;
    throw new Error(`expected an AttnkitError, got ${String(e)}`);
  }
  throw new Error('expected the call to fail');
}

describe('device loss', () => {
  const { q, k, v } = makeInputs({ B: 1, Hq: 2, Hkv: 1, Sq: 5, Sk: 7, Dk: 4, Dv: 4 }, 9);
  const spec = resolveSpec(tinyEncoderSpec());

  it('turns into ERR_BACKEND saying the device was lost, and a new backend works', async () => {
    const t = await testDevice();
    const backend = await createWebGpuBackend({ device: t.device });
    const model = await backend.compile(spec, initWeights(spec, { seed: 1 }));
    await backend.attention(q, k, v);
    t.device.destroy();
    await t.device.lost;
    const e = await failure(backend.attention(q, k, v));
    expect(e.code).toBe('ERR_BACKEND');
    expect(e.message).toMatch(/device was lost.*create a new one/);
    const m = await failure(model.run({ shape: [1, 4, 3], data: new Float32Array(12) }));
    expect(m.code).toBe('ERR_BACKEND');
    await backend.dispose();

    const fresh = await createWebGpuBackend();
    await attentionCase('after loss', q, k, v, { causal: true }).run(fresh);
    await fresh.dispose();
  });

  it('while a call is in flight fails that call with ERR_BACKEND', async () => {
    const t = await testDevice();
    const backend = await createWebGpuBackend({ device: t.device });
    const pending = backend.attention(q, k, v);
    t.device.destroy();
    const e = await failure(pending);
    expect(e.code).toBe('ERR_BACKEND');
    expect(e.message).toMatch(/lost|destroyed/);
    await backend.dispose();
  });
});
