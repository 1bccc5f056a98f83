import onnxProto from 'onnx-proto';
import { initWeights, resolveSpec, seededRandom, type Backend, type ModelSpec } from '@attnkit/core';
import { assertClose, modelTolerance, referenceModel } from '@attnkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encoderGraph } from './encoder-graph.js';
import { createOnnxBackend } from './onnx-backend.js';

const { onnx } = onnxProto;

/** Local windows only: every layer runs banded. Blocks of 3 (layer 0), 1 (layer 1), 4 (layer 2). */
const local: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: 5,
  dModel: 24,
  heads: 6,
  kvHeads: 2,
  layers: 3,
  ffnSize: 16,
  positional: { kind: 'rope' },
  attention: [
    { window: { left: 3, right: 1 } },
    { window: { left: 1, right: 0 }, causal: true },
    { window: { left: 0, right: 4 } },
  ],
  output: { kind: 'per-position', classes: 3 },
};

function input(B: number, S: number, F: number, seed: number): Float32Array {
  const rng = seededRandom(seed);
  return Float32Array.from({ length: B * S * F }, () => rng.uniform(-1, 1));
}

function opTypes(bytes: Uint8Array): string[] {
  return onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType!);
}

describe('banded attention (local windows)', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createOnnxBackend({ threads: 1 });
  });
  afterAll(() => backend.dispose());

  it('the graph of an all-local encoder has no dense attention; asking for attention maps brings it back', () => {
    const resolved = resolveSpec(local);
    const w = new Map([...initWeights(local, { seed: 1, randomAll: true })].map(([k, v]) => [k, v.data]));
    expect(opTypes(encoderGraph(resolved, w))).not.toContain('Attention');
    expect(
      opTypes(encoderGraph(resolved, w, { attentionOutputs: true })).filter((t) => t === 'Attention'),
    ).toHaveLength(3);
  });

  it('equals the float64 reference at lengths below, at and across block edges, with padded sequences', async () => {
    const resolved = resolveSpec(local);
    const weights = initWeights(local, { seed: 2, randomAll: true });
    const w = new Map([...weights].map(([k, v]) => [k, v.data]));
    const model = await backend.compile(local, weights);
    for (const [B, S, lengths] of [
      [1, 1, [1]],
      [2, 2, [2, 1]],
      [3, 4, [4, 3, 1]],
      [2, 12, [12, 7]],
      [2, 37, [37, 20]],
    ] as const) {
      const x = input(B, S, resolved.inputSize, S);
      const out = await model.run({ shape: [B, S, resolved.inputSize], data: x }, { lengths: [...lengths] });
      const ref = referenceModel(resolved, w, x, B, S, lengths);
      assertClose(out.logits.data, ref.logits, modelTolerance(resolved.layers), `logits B=${B} S=${S}`);
    }
    await model.dispose();
  });

  it('gives the same logits as the dense path (attention maps requested) on the speech-labeler shape', async () => {
    const spec: ModelSpec = {
      type: 'transformer-encoder',
      inputSize: 8,
      dModel: 32,
      heads: 4,
      layers: 2,
      ffnSize: 32,
      positional: { kind: 'rope' },
      attention: { window: { left: 16, right: 16 } },
      output: { kind: 'per-position', classes: 8 },
    };
    const resolved = resolveSpec(spec);
    const weights = initWeights(spec, { seed: 3, randomAll: true });
    const w = new Map([...weights].map(([k, v]) => [k, v.data]));
    const model = await backend.compile(spec, weights);
    const B = 2,
      S = 90,
      lengths = [90, 41];
    const x = input(B, S, 8, 5);
    const banded = await model.run({ shape: [B, S, 8], data: x }, { lengths });
    const dense = await model.run({ shape: [B, S, 8], data: x }, { lengths, attentionOf: [0] });
    assertClose(banded.logits.data, dense.logits.data, { abs: 1e-5, rel: 1e-5 }, 'banded vs dense');
    assertClose(
      banded.logits.data,
      referenceModel(resolved, w, x, B, S, lengths).logits,
      modelTolerance(2),
      'reference',
    );
    await model.dispose();
  });
});
