/**
 * Sharing tfjs's global engine: several attnkit backends, and the application's own tfjs code, side by side.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createRegistry, initWeights, prepareAttention, seededRandom, weightShapes, type Tensor } from '@attnkit/core';
import { assertClose, FLOAT32_TOLERANCE, referenceAttention, tinyEncoderSpec } from '@attnkit/conformance';
import { createTfjsBackend, plugin } from './index.js';

const rng = seededRandom(3);
const rand = (shape: number[]): Tensor => ({
  shape,
  data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)),
});

const spec = tinyEncoderSpec({ inputSize: 4, output: { kind: 'per-position', classes: 3 } });

describe('tfjs engine sharing', () => {
  it('starts wasm by default here, and says so in info', async () => {
    const backend = await plugin.create();
    expect(backend.info).toMatchObject({ engine: 'TensorFlow.js', tfjsBackend: 'wasm', tfjsVersion: tf.version_core });
    expect(backend.info.fallback).toBeUndefined();
    await backend.dispose();
  });

  it('runs a wasm and a cpu backend side by side, interleaved, each matching the reference', async () => {
    const [wasm, cpu] = await Promise.all([
      createTfjsBackend({ backend: 'wasm' }),
      createTfjsBackend({ backend: 'cpu' }),
    ]);
    expect([wasm.info.tfjsBackend, cpu.info.tfjsBackend]).toEqual(['wasm', 'cpu']);
    const calls = Array.from({ length: 6 }, () => ({
      q: rand([1, 2, 7, 4]),
      k: rand([1, 2, 7, 4]),
      v: rand([1, 2, 7, 4]),
    }));
    const results = await Promise.all(
      calls.flatMap(({ q, k, v }) => [
        wasm.attention(q, k, v, { causal: true }),
        cpu.attention(q, k, v, { causal: true }),
      ]),
    );
    calls.forEach(({ q, k, v }, i) => {
      const expected = referenceAttention(prepareAttention(q, k, v, { causal: true })).output;
      assertClose(results[2 * i]!.output.data, expected, FLOAT32_TOLERANCE, `wasm call ${i}`);
      assertClose(results[2 * i + 1]!.output.data, expected, FLOAT32_TOLERANCE, `cpu call ${i}`);
    });
    await Promise.all([wasm.dispose(), cpu.dispose()]);
  });

  it('keeps a model’s weights on its own tfjs backend, and leaves the application’s active backend alone', async () => {
    await tf.setBackend('cpu');
    const mine = tf.tensor([1, 2, 3]);
    const wasm = await createTfjsBackend({ backend: 'wasm' });
    expect(tf.getBackend()).toBe('cpu');
    const wasmData = tf.findBackend('wasm')!.numDataIds();
    const cpuData = tf.findBackend('cpu')!.numDataIds();
    const model = await wasm.compile(spec, initWeights(spec, { seed: 1 }));
    expect(tf.findBackend('wasm')!.numDataIds()).toBe(wasmData + weightShapes(spec).size);
    const input = rand([1, 5, 4]);
    const first = await model.run(input);
    // Another attnkit backend comes and goes; the first one's model is untouched.
    const other = await createTfjsBackend({ backend: 'cpu' });
    await other.attention(rand([1, 1, 3, 2]), rand([1, 1, 3, 2]), rand([1, 1, 3, 2]));
    await other.dispose();
    expect((await model.run(input)).logits.data).toEqual(first.logits.data);
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.findBackend('cpu')!.numDataIds()).toBe(cpuData);
    expect(Array.from(await mine.data())).toEqual([1, 2, 3]);
    mine.dispose();
    await wasm.dispose();
    expect(tf.findBackend('wasm')!.numDataIds()).toBe(wasmData);
  });

  it('is selected through a registry, with create options by plugin name', async () => {
    const { backend, report } = await createRegistry()
      .register(plugin)
      .select({ createOptions: { tfjs: { backend: 'cpu' } }, require: ['graph', 'attentionMap:probs'] });
    expect(backend.info.tfjsBackend).toBe('cpu');
    expect(report).toEqual([expect.objectContaining({ name: 'tfjs', status: 'chosen' })]);
    await backend.dispose();
  });

  it('refuses unknown options values, naming the option', async () => {
    await expect(createTfjsBackend({ backend: 'gpu' as never })).rejects.toMatchObject({
      code: 'ERR_OPTION',
      argument: 'options.backend',
    });
    await expect(createTfjsBackend({ chunkElements: 0 })).rejects.toMatchObject({
      code: 'ERR_OPTION',
      argument: 'options.chunkElements',
    });
  });

  it('refuses a tfjs backend the application has not registered, saying what to import', async () => {
    await expect(createTfjsBackend({ backend: 'webgl' })).rejects.toMatchObject({
      code: 'ERR_BACKEND',
      message: expect.stringContaining('@tensorflow/tfjs-backend-webgl'),
    });
  });
});
