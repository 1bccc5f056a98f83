/**
 * When tfjs's wasm backend cannot start (here: its binaries are not where it is told to look), the default
 * choice falls back to cpu and records why; an explicit wasm choice fails instead. Runs in its own test
 * file, hence its own process: a failed wasm start stays failed for the life of tfjs's engine.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { prepareAttention, seededRandom, type Tensor } from '@attnkit/core';
import { assertClose, FLOAT32_TOLERANCE, referenceAttention } from '@attnkit/conformance';
import { createTfjsBackend } from './index.js';

const missing = fileURLToPath(new URL('./no-wasm-binaries-here/', import.meta.url));

describe('wasm fallback', () => {
  // tfjs and its wasm loader report the failure on the console; keep the test output quiet.
  beforeAll(() => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterAll(() => vi.restoreAllMocks());

  it('an explicit wasm choice that cannot start throws ERR_BACKEND with the cause', async () => {
    await expect(createTfjsBackend({ backend: 'wasm', wasmPaths: missing })).rejects.toMatchObject({
      code: 'ERR_BACKEND',
      message: expect.stringMatching(/wasm.*cannot start.*ENOENT/s),
    });
  });

  it('the default choice falls back to cpu, records the reason, and works', async () => {
    const backend = await createTfjsBackend({ wasmPaths: missing });
    expect(backend.info.tfjsBackend).toBe('cpu');
    expect(String(backend.info.fallback)).toMatch(/^wasm unavailable: .*ENOENT/);
    const rng = seededRandom(1);
    const t = (): Tensor => ({
      shape: [1, 2, 5, 3],
      data: Float32Array.from({ length: 30 }, () => rng.uniform(-1, 1)),
    });
    const [q, k, v] = [t(), t(), t()];
    const r = await backend.attention(q, k, v, { causal: true });
    assertClose(
      r.output.data,
      referenceAttention(prepareAttention(q, k, v, { causal: true })).output,
      FLOAT32_TOLERANCE,
      'output',
    );
    await backend.dispose();
  });
});
