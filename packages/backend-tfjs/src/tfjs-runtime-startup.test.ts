/**
 * tfjs refuses every op while any backend is starting asynchronously (wasm, webgpu). Work on a backend
 * that is already running must wait for a start that this package began, not fail. Its own test file, so
 * that wasm has not started yet when it runs.
 */
import { setImmediate } from 'node:timers';
import { describe, expect, it } from 'vitest';
import { prepareAttention, seededRandom, type Tensor } from '@attnkit/core';
import { assertClose, FLOAT32_TOLERANCE, referenceAttention } from '@attnkit/conformance';
import { createTfjsBackend } from './index.js';

describe('backend start-up', () => {
  it('calls on a running cpu backend succeed while a wasm backend starts', async () => {
    const rng = seededRandom(5);
    const t = (): Tensor => ({
      shape: [1, 2, 6, 4],
      data: Float32Array.from({ length: 48 }, () => rng.uniform(-1, 1)),
    });
    const [q, k, v] = [t(), t(), t()];
    const expected = referenceAttention(prepareAttention(q, k, v, { causal: true })).output;
    const cpu = await createTfjsBackend({ backend: 'cpu' });
    let started = false;
    const wasm = createTfjsBackend({ backend: 'wasm' }).finally(() => {
      started = true;
    });
    let calls = 0;
    while (!started) {
      const r = await cpu.attention(q, k, v, { causal: true });
      assertClose(r.output.data, expected, FLOAT32_TOLERANCE, `call ${calls++}`);
      // Let the start's file reads and compilation (macrotasks) proceed between calls.
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(calls).toBeGreaterThan(0);
    const r = await (await wasm).attention(q, k, v, { causal: true });
    assertClose(r.output.data, expected, FLOAT32_TOLERANCE, 'wasm');
    await Promise.all([cpu.dispose(), (await wasm).dispose()]);
  });
});
