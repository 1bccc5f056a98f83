import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import {
  AttnkitError,
  initWeights,
  resolveSpec,
  seededRandom,
  weightShapes,
  type Backend,
  type ModelSpec,
} from '@attnkit/core';
import { assertClose, modelTolerance, referenceModel } from '@attnkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxBackend } from './onnx-backend.js';
import { encoderSessionOptions } from './encoder-model.js';
import { toOnnx } from './to-onnx.js';

const specs: Record<string, ModelSpec> = {
  'per-position, sinusoidal, GQA, window, GELU, pre-norm': {
    type: 'transformer-encoder',
    inputSize: 6,
    dModel: 16,
    heads: 4,
    kvHeads: 2,
    layers: 2,
    ffnSize: 32,
    attention: [{ window: { left: 3, right: 2 } }, { causal: true }],
    output: { kind: 'per-position', classes: 5 },
  },
  'pooled, ALiBi, ReLU, post-norm': {
    type: 'transformer-encoder',
    inputSize: 3,
    dModel: 8,
    heads: 2,
    layers: 1,
    ffnSize: 12,
    activation: 'relu',
    norm: 'post',
    positional: { kind: 'alibi' },
    output: { kind: 'pooled', classes: 2 },
  },
  'per-position, RoPE with base 100': {
    type: 'transformer-encoder',
    inputSize: 4,
    dModel: 12,
    heads: 3,
    layers: 1,
    ffnSize: 8,
    positional: { kind: 'rope', base: 100 },
    output: { kind: 'per-position', classes: 3 },
  },
};

describe('toOnnx', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createOnnxBackend({ threads: 1 });
  });
  afterAll(() => backend.dispose());

  let n = 0;
  for (const [name, spec] of Object.entries(specs)) {
    const seed = ++n;
    it(`${name}: the exported file loads in a fresh session and matches the compiled model and the reference`, async () => {
      const resolved = resolveSpec(spec);
      const weights = initWeights(spec, { seed, randomAll: true });
      const bytes = toOnnx(spec, weights);
      expect(bytes).toBeInstanceOf(Uint8Array);

      const B = 2,
        S = 11,
        lengths = [11, 6];
      const rng = seededRandom(seed + 50);
      const input = Float32Array.from({ length: B * S * resolved.inputSize }, () => rng.uniform(-1, 1));
      const session = await ort.InferenceSession.create(bytes);
      const out = await session.run({
        input: new ort.Tensor('float32', input, [B, S, resolved.inputSize]),
        lengths: new ort.Tensor('int64', BigInt64Array.from(lengths, BigInt), [B]),
      });
      await session.release();
      const exported = out.logits!.data as Float32Array;

      const model = await backend.compile(spec, weights);
      const compiled = await model.run({ shape: [B, S, resolved.inputSize], data: input }, { lengths });
      await model.dispose();
      expect(out.logits!.dims).toEqual(compiled.logits.shape);
      assertClose(exported, compiled.logits.data, { abs: 1e-6, rel: 1e-6 }, 'exported vs compiled');

      const w = new Map([...weights].map(([k, v]) => [k, v.data]));
      const ref = referenceModel(resolved, w, input, B, S, lengths);
      assertClose(exported, ref.logits, modelTolerance(resolved.layers), 'exported vs reference');
    });
  }

  it('writes a standard model: opset 24, named inputs and outputs, weights under their attnkit names', () => {
    const spec = specs['per-position, sinusoidal, GQA, window, GELU, pre-norm']!;
    const weights = initWeights(spec, { seed: 9 });
    const model = onnxProto.onnx.ModelProto.decode(toOnnx(spec, weights));
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 24]]);
    expect(Number(model.irVersion)).toBeGreaterThanOrEqual(10);
    const graph = model.graph as onnxProto.onnx.GraphProto;
    expect(graph.input.map((i) => i.name)).toEqual(['input', 'lengths']);
    expect(graph.output.map((o) => o.name)).toEqual(['logits']);
    const dims = (v: onnxProto.onnx.IValueInfoProto) =>
      v.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue));
    expect(dims(graph.input[0]!)).toEqual(['B', 'S', 6]);
    expect(dims(graph.output[0]!)).toEqual(['B', 'S', 5]);
    const shapes = weightShapes(spec);
    const stored = new Map(
      (graph.initializer as onnxProto.onnx.TensorProto[]).filter((t) => shapes.has(t.name)).map((t) => [t.name, t]),
    );
    expect([...stored.keys()].sort()).toEqual([...shapes.keys()].sort());
    for (const [name, shape] of shapes) {
      const t = stored.get(name)!;
      expect(t.dims.map(Number)).toEqual([...shape]);
      const data = new Float32Array(t.rawData.slice().buffer);
      expect(data).toEqual(weights.get(name)!.data);
    }
  });

  it('writes float16 initializers with dtype float16 (2 bytes a weight), and the float16 model in a session that keeps them', async () => {
    const spec = specs['per-position, sinusoidal, GQA, window, GELU, pre-norm']!;
    const resolved = resolveSpec(spec);
    const weights = initWeights(spec, { seed: 12, randomAll: true });
    const f32 = toOnnx(spec, weights);
    const f16 = toOnnx(spec, weights, { dtype: 'float16' });
    const graph = onnxProto.onnx.ModelProto.decode(f16).graph as onnxProto.onnx.GraphProto;
    let halves = 0,
      halfBytes = 0;
    for (const t of graph.initializer as onnxProto.onnx.TensorProto[])
      if (t.dataType === 10) {
        halves += t.dims.reduce((a, d) => a * Number(d), 1);
        halfBytes += t.rawData.length;
      }
    let count = 0;
    for (const shape of weightShapes(spec).values()) count += shape.reduce((a, d) => a * d, 1);
    // Every weight, 2 bytes each (the float32 file's are 4).
    expect(halves).toBe(count);
    expect(halfBytes).toBe(2 * count);
    expect(f32.length - f16.length).toBeGreaterThan(count);

    const B = 1,
      S = 9;
    const rng = seededRandom(13);
    const input = Float32Array.from({ length: B * S * resolved.inputSize }, () => rng.uniform(-1, 1));
    const session = await ort.InferenceSession.create(f16, encoderSessionOptions({}, 'float16'));
    const out = await session.run({
      input: new ort.Tensor('float32', input, [B, S, resolved.inputSize]),
      lengths: new ort.Tensor('int64', BigInt64Array.of(BigInt(S)), [B]),
    });
    await session.release();
    const model = await backend.compile(spec, weights, { dtype: 'float16' });
    const compiled = await model.run({ shape: [B, S, resolved.inputSize], data: input });
    await model.dispose();
    assertClose(
      out.logits!.data as Float32Array,
      compiled.logits.data,
      { abs: 1e-6, rel: 1e-6 },
      'exported vs compiled',
    );
  });

  it('validates the spec and weights as compile does', () => {
    const spec = specs['pooled, ALiBi, ReLU, post-norm']!;
    const weights = initWeights(spec);
    weights.delete('head.bias');
    expect(() => toOnnx(spec, weights)).toThrow(AttnkitError);
    expect(() => toOnnx({ ...spec, heads: 3 }, initWeights(spec))).toThrow(/heads/);
    expect(() => toOnnx(spec, initWeights(spec), { dtype: 'bfloat16' as never })).toThrow(
      expect.objectContaining({ code: 'ERR_OPTION' }),
    );
  });
});
