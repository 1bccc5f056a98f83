import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import {
  biasExtents,
  initWeights,
  layerAttentionDims,
  layerAttentionOptions,
  resolveAttention,
  resolveSpec,
  seededRandom,
  validateWeights,
  writeDenseBias,
  type Backend,
  type ModelSpec,
} from '@attnkit/core';
import { assertClose, modelTolerance, referenceModel, tinyEncoderSpec } from '@attnkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bandOf } from './banded-attention.js';
import { ENCODER_OPSET, encoderGraph } from './encoder-graph.js';
import { DType, GraphBuilder } from './onnx-builder.js';
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

/**
 * Which key each query sees through the band of `layer`, as a dense `[B, S, S]` visibility: query `i` is
 * row `i mod K` of block `floor(i / K)`, and slot `c` of that block's three is key `(block - 1)·K + c`.
 */
async function bandVisibility(
  layer: { causal: boolean; window: { left: number; right: number } },
  lengths: readonly number[],
  S: number,
): Promise<boolean[]> {
  const g = new GraphBuilder('band');
  const rs = { S: g.input('S', DType.int64, []), lengths: g.input('lengths', DType.int64, ['B']) };
  const band = bandOf(g, rs, layer, 1);
  g.output(g.op('Identity', [band.keyValid]), DType.bool, ['B', 'N', 1, 1, 'C']);
  g.output(g.op('Identity', [band.windowBias]), DType.float, ['R', 'C']);
  const session = await ort.InferenceSession.create(g.encode(ENCODER_OPSET));
  try {
    const out = await session.run({
      S: new ort.Tensor('int64', BigInt64Array.of(BigInt(S)), []),
      lengths: new ort.Tensor('int64', BigInt64Array.from(lengths, BigInt), [lengths.length]),
    });
    const [valid, bias] = Object.values(out) as [ort.Tensor, ort.Tensor];
    const K = band.K,
      N = valid.dims[1]!;
    expect(N).toBe(Math.ceil(S / K));
    const seen = Array.from({ length: lengths.length * S * S }, () => false);
    for (let b = 0; b < lengths.length; b++)
      for (let i = 0; i < S; i++) {
        const n = Math.floor(i / K),
          r = i % K;
        for (let c = 0; c < 3 * K; c++) {
          const j = (n - 1) * K + c;
          const visible =
            Boolean((valid.data as Uint8Array)[(b * N + n) * 3 * K + c]) &&
            (bias.data as Float32Array)[r * 3 * K + c] === 0;
          if (j < 0 || j >= S) expect(visible, `b${b} i${i} slot ${c}: key ${j} is outside`).toBe(false);
          else seen[(b * S + i) * S + j] = visible;
        }
      }
    return seen;
  } finally {
    await session.release();
  }
}

describe("the band's masks are core's dense bias", () => {
  const layers = [
    { causal: false, window: { left: 2, right: 1 } },
    { causal: false, window: { left: 0, right: 3 } },
    { causal: false, window: { left: 4, right: 4 } },
    { causal: true, window: { left: 2, right: 0 } },
    { causal: true, window: { left: 1, right: 4 } },
    { causal: false, window: { left: 0, right: 0 } },
  ];
  for (const lengths of [[9], [9, 5], [2, 9, 1]])
    it(`lengths ${lengths.join(',')}: every layer setting, at lengths across block edges`, async () => {
      for (const S of [1, 4, 9]) {
        const run = lengths.map((n) => Math.min(n, S));
        for (const layer of layers) {
          const spec = resolveSpec(tinyEncoderSpec({ heads: 1, attention: layer }));
          const setup = resolveAttention(
            { ...layerAttentionDims(spec, run.length, S), hasPast: false, packed: false },
            layerAttentionOptions(spec, 0, { lengths: Int32Array.from(run), padded: run.some((n) => n < S) }),
          );
          const [Bb] = biasExtents(setup);
          const want = new Float32Array(Bb * biasExtents(setup)[1] * S * S);
          writeDenseBias(setup, want);
          const got = await bandVisibility(layer, run, S);
          for (let b = 0; b < run.length; b++)
            for (let e = 0; e < S * S; e++) {
              const w = want[Math.min(b, Bb - 1) * S * S + e]! !== -Infinity;
              // Padded queries are never read; the band and the dense bias need agree on real ones only.
              if (Math.floor(e / S) >= run[b]!) continue;
              expect(got[b * S * S + e], `${JSON.stringify(layer)} S${S} b${b} i${Math.floor(e / S)} j${e % S}`).toBe(
                w,
              );
            }
        }
      }
    });
});

describe('banded attention (local windows)', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await createOnnxBackend({ threads: 1 });
  });
  afterAll(() => backend.dispose());

  it('the graph of an all-local encoder has no dense attention; asking for attention maps brings it back', () => {
    const resolved = resolveSpec(local);
    const w = validateWeights(resolved, initWeights(local, { seed: 1, randomAll: true }));
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
