/**
 * Additive relevance materialises `q_i + k_j` and its tanh, `[B, Hq, Sq, T, Dk]` each, in the explicit graph:
 * the backend's memory model counts them, so a call too large for the limit is refused before anything runs,
 * while the same call with the dot product fits.
 */
import { AttnkitError } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend } from './onnx-backend.js';

describe('additive relevance and the memory limit', () => {
  it('refuses with ERR_TOO_LARGE what the explicit graph would need beyond the limit', async () => {
    // B1 H2 S64 D16: the dot product needs ~0.2 MB of scores; additive adds 2·2·64·64·16·4 B ≈ 1 MB.
    const backend = await createOnnxBackend({ maxBytes: 600_000 });
    try {
      const t = { shape: [1, 2, 64, 16], data: new Float32Array(2 * 64 * 16).fill(0.1) };
      const weights = { shape: [2, 16], data: new Float32Array(32).fill(0.2) };
      await expect(backend.attention(t, t, t)).resolves.toBeDefined();
      const refused = backend.attention(t, t, t, { relevance: { kind: 'additive', weights } });
      await expect(refused).rejects.toBeInstanceOf(AttnkitError);
      await expect(refused).rejects.toMatchObject({ code: 'ERR_TOO_LARGE' });
      // The refusal leaves the backend usable.
      await expect(backend.attention(t, t, t)).resolves.toBeDefined();
    } finally {
      await backend.dispose();
    }
  });
});

describe('additive layers in a compiled model and the memory limit', () => {
  it('counts the explicit graph of an additive layer in a run, and refuses beyond the limit', async () => {
    const { initWeights } = await import('@attnkit/core');
    const { tinyEncoderSpec } = await import('@attnkit/conformance');
    // S 64, H 2, Dh 4: the additive layer holds 2·1·2·64·64·4·4 B ≈ 262 KB beyond the dot product's scores.
    const dot = tinyEncoderSpec({ dModel: 8, heads: 2 });
    const additive = tinyEncoderSpec({ dModel: 8, heads: 2, attention: { relevance: 'additive' } });
    const backend = await createOnnxBackend({ maxBytes: 250_000 });
    try {
      const input = { shape: [1, 64, 3], data: new Float32Array(64 * 3).fill(0.1) };
      const plain = await backend.compile(dot, initWeights(dot, { seed: 1 }));
      await expect(plain.run(input)).resolves.toBeDefined();
      const model = await backend.compile(additive, initWeights(additive, { seed: 1 }));
      await expect(model.run(input)).rejects.toMatchObject({ code: 'ERR_TOO_LARGE' });
      await expect(model.run({ shape: [1, 8, 3], data: new Float32Array(24).fill(0.1) })).resolves.toBeDefined();
    } finally {
      await backend.dispose();
    }
  });
});
