import { AttnkitError } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from './tfjs-backend.js';

describe('requests beyond what the WebAssembly memory can hold', () => {
  it('are refused with ERR_TOO_LARGE even with no limit of the caller, and the backend stays usable', async () => {
    const backend = await createTfjsBackend({ backend: 'wasm', maxBytes: Infinity });
    try {
      // 6.4 GB of probabilities from 160 KB of inputs: once, this aborted tfjs's wasm module for good.
      const big = { shape: [1, 1, 40_000, 1], data: new Float32Array(40_000).fill(0.5) };
      const refused = await backend
        .attention(big, big, big, { attentionMap: 'probs', maxBytes: Infinity })
        .catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(AttnkitError);
      expect(refused).toMatchObject({ code: 'ERR_TOO_LARGE', limit: 2 ** 30 });
      const x = { shape: [1, 1, 2, 2], data: new Float32Array([1, 0, 0, 1]) };
      const { output } = await backend.attention(x, x, x);
      expect(Array.from(output.data).every(Number.isFinite)).toBe(true);
    } finally {
      await backend.dispose();
    }
  });
});
