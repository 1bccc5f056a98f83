import * as ort from 'onnxruntime-node';
import { AttnkitError, initWeights, resolveSpec, seededRandom, type Backend, type ModelSpec } from '@attnkit/core';
import { assertClose, modelTolerance, referenceModel } from '@attnkit/conformance';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createOnnxBackend } from './onnx-backend.js';

const spec: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: 5,
  dModel: 16,
  heads: 4,
  kvHeads: 2,
  layers: 2,
  ffnSize: 24,
  positional: { kind: 'rope' },
  attention: [{ causal: true }, { window: { left: 2, right: 2 } }],
  output: { kind: 'per-position', classes: 3 },
};
const resolved = resolveSpec(spec);
const weights = initWeights(spec, { seed: 4, randomAll: true });
const w = new Map([...weights].map(([k, v]) => [k, v.data]));

function input(B: number, S: number, seed: number): Float32Array {
  const rng = seededRandom(seed);
  return Float32Array.from({ length: B * S * resolved.inputSize }, () => rng.uniform(-1, 1));
}

describe('compiled encoder', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createOnnxBackend({ threads: 1 });
  });
  afterAll(() => backend.dispose());

  it('runs every batch size and length on the session made at compile time', async () => {
    const create = vi.spyOn(ort.InferenceSession, 'create');
    try {
      const model = await backend.compile(spec, weights);
      expect(create).toHaveBeenCalledTimes(1);
      for (const [B, S, lengths] of [
        [1, 1, [1]],
        [3, 9, [9, 4, 1]],
        [2, 40, [40, 23]],
      ] as const) {
        const x = input(B, S, S);
        const out = await model.run({ shape: [B, S, resolved.inputSize], data: x }, { lengths: [...lengths] });
        const ref = referenceModel(resolved, w, x, B, S, lengths);
        assertClose(out.logits.data, ref.logits, modelTolerance(resolved.layers), `logits B=${B} S=${S}`);
      }
      expect(create).toHaveBeenCalledTimes(1);
      await model.dispose();
    } finally {
      create.mockRestore();
    }
  });

  it('returns attention probabilities of the requested layers, in the order requested', async () => {
    const model = await backend.compile(spec, weights);
    const B = 2,
      S = 7,
      lengths = [7, 5];
    const x = input(B, S, 3);
    const out = await model.run({ shape: [B, S, resolved.inputSize], data: x }, { lengths, attentionOf: [1, 0, 1] });
    const ref = referenceModel(resolved, w, x, B, S, lengths, [1, 0]);
    const tol = modelTolerance(resolved.layers);
    expect(out.attention?.map((a) => a.shape)).toEqual([
      [B, 4, S, S],
      [B, 4, S, S],
      [B, 4, S, S],
    ]);
    assertClose(out.attention![0]!.data, ref.attention[0]!, tol, 'layer 1');
    assertClose(out.attention![1]!.data, ref.attention[1]!, tol, 'layer 0');
    assertClose(out.attention![2]!.data, ref.attention[0]!, tol, 'layer 1 again');
    // The same logits as without weights.
    const plain = await model.run({ shape: [B, S, resolved.inputSize], data: x }, { lengths });
    assertClose(out.logits.data, plain.logits.data, { abs: 1e-6, rel: 1e-6 }, 'logits');
    await model.dispose();
  });

  it('a disposed model refuses to run', async () => {
    const model = await backend.compile(spec, weights);
    await model.dispose();
    await model.dispose();
    await expect(model.run({ shape: [1, 2, 5], data: new Float32Array(10) })).rejects.toSatisfy(
      (e) => e instanceof AttnkitError && e.code === 'ERR_DISPOSED',
    );
  });
});
