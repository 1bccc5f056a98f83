import { initWeights, toFloat16, type ModelSpec } from '@attnkit/core';
import { tinyEncoderSpec } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from './tfjs-backend.js';

describe('float16 models', () => {
  it('are refused with the reason TensorFlow.js gives none, and float16 weights still compile in float32', async () => {
    const backend = await createTfjsBackend({ backend: 'cpu' });
    try {
      const spec: ModelSpec = tinyEncoderSpec();
      const weights = initWeights(spec, { seed: 1 });
      const refused = await backend.compile(spec, weights, { dtype: 'float16' }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'ERR_UNSUPPORTED', argument: 'options.dtype' });
      expect((refused as Error).message).toContain('TensorFlow.js has no float16 tensors');
      expect(backend.capabilities.features.has('models:float16')).toBe(false);
      // Half weights are widened exactly into a float32 model.
      const halves = new Map([...weights].map(([name, t]) => [name, toFloat16(t)]));
      const model = await backend.compile(spec, halves);
      expect(model.dtype).toBe('float32');
      await model.dispose();
    } finally {
      await backend.dispose();
    }
  });
});
