/**
 * The encoder graph expresses each layer's masking as ONNX ops (so that a model from `toOnnx` runs on its
 * own, with lengths as an input). Core states the rule once, in `writeDenseBias` over the options of
 * `layerAttentionOptions`; this test holds the graph's ops to it, value for value, over many layer settings.
 */
import * as ort from 'onnxruntime-node';
import {
  biasExtents,
  layerAttentionDims,
  layerAttentionOptions,
  resolveAttention,
  resolveSpec,
  writeDenseBias,
} from '@attnkit/core';
import { tinyEncoderSpec } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { alibiBias, indexGrid, layerVisibility, maskedBias, validPositions } from './encoder-positions.js';
import { DType, GraphBuilder } from './onnx-builder.js';
import { ENCODER_OPSET } from './encoder-graph.js';

type Layer = { causal?: boolean; window?: { left: number; right: number } };

/** The graph's float mask `[B, H|1, S, S]` of one layer, run through ONNX Runtime. */
async function graphMask(
  layer: { causal: boolean; window: { left: number; right: number } | undefined },
  H: number,
  alibi: boolean,
  lengths: readonly number[],
  S: number,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const g = new GraphBuilder('mask');
  const rs = { S: g.input('S', DType.int64, []), lengths: g.input('lengths', DType.int64, ['B']) };
  const grid = indexGrid(g, rs);
  const visible = layerVisibility(g, grid, validPositions(g, rs, grid.j), layer);
  g.output(maskedBias(g, visible, alibi ? alibiBias(g, grid, H) : undefined), DType.float, ['B', 'H', 'S', 'S']);
  const session = await ort.InferenceSession.create(g.encode(ENCODER_OPSET));
  try {
    const out = await session.run({
      S: new ort.Tensor('int64', BigInt64Array.of(BigInt(S)), []),
      lengths: new ort.Tensor('int64', BigInt64Array.from(lengths, BigInt), [lengths.length]),
    });
    const t = Object.values(out)[0]!;
    return { data: t.data as Float32Array, dims: t.dims };
  } finally {
    await session.release();
  }
}

const LAYERS: Layer[] = [
  {},
  { causal: true },
  { window: { left: 2, right: 1 } },
  { window: { left: 0, right: 3 } },
  { window: { left: Infinity, right: 2 } },
  { window: { left: 3, right: Infinity } },
  { causal: true, window: { left: 2, right: 0 } },
  { causal: true, window: { left: 1, right: 4 } },
];

describe("the encoder graph's masks are core's dense bias", () => {
  for (const alibi of [false, true])
    for (const lengths of [[7], [7, 4], [3, 7, 1]])
      it(`${alibi ? 'ALiBi, ' : ''}lengths ${lengths.join(',')}: every layer setting`, async () => {
        const H = 2;
        const S = 7;
        const B = lengths.length;
        for (const layer of LAYERS) {
          const spec = resolveSpec(
            tinyEncoderSpec({ heads: H, attention: layer, positional: { kind: alibi ? 'alibi' : 'sinusoidal' } }),
          );
          const run = { lengths: Int32Array.from(lengths), padded: lengths.some((n) => n < S) };
          const setup = resolveAttention(
            { ...layerAttentionDims(spec, B, S), hasPast: false, packed: false },
            layerAttentionOptions(spec, 0, run),
          );
          const [Bb, Hb] = biasExtents(setup);
          const want = new Float32Array(Bb * Hb * S * S);
          writeDenseBias(setup, want);
          const got = await graphMask(spec.attention[0]!, H, alibi, lengths, S);
          // The graph's output broadcasts ([B, 1, 1, S] when only padding masks); read it as [B, H, S, S].
          const [d0, d1, d2, d3] = got.dims as [number, number, number, number];
          const at = (b: number, h: number, i: number, j: number): number =>
            got.data[
              ((Math.min(b, d0 - 1) * d1 + Math.min(h, d1 - 1)) * d2 + Math.min(i, d2 - 1)) * d3 + Math.min(j, d3 - 1)
            ]!;
          for (let b = 0; b < B; b++)
            for (let h = 0; h < H; h++)
              for (let e = 0; e < S * S; e++) {
                const w = want[(Math.min(b, Bb - 1) * Hb + Math.min(h, Hb - 1)) * S * S + e]!;
                const x = at(b, h, Math.floor(e / S), e % S);
                const where = `${JSON.stringify(layer)} b${b} h${h} i${Math.floor(e / S)} j${e % S}`;
                if (w === -Infinity) expect(x, where).toBe(-Infinity);
                else expect(x, where).toBeCloseTo(w, 5);
              }
        }
      });
});
