import { describe, expect, it } from 'vitest';
import {
  AttnkitError,
  initWeights,
  layerAttentionOptions,
  prepareAttention,
  prepareModelRun,
  resolveSpec,
  weightShapes,
  type ModelSpec,
} from './index.js';
import { tinySpec } from './spec.test-support.js';

const tokenSpec: ModelSpec = tinySpec({
  inputSize: undefined,
  input: { kind: 'tokens', vocabSize: 5 },
  dModel: 8,
  heads: 2,
  layers: 2,
  attention: [{ relevance: 'additive' }, { causal: true }],
  output: { kind: 'pooled', classes: 2 },
});

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof AttnkitError ? `${e.code} ${e.message}` : `untyped ${(e as Error).message}`;
  }
  return undefined;
}

describe('token input and additive layers in the spec', () => {
  it('names an embedding table instead of the input projection, and additive weights per additive layer', () => {
    const names = [...weightShapes(tokenSpec)];
    expect(names[0]).toEqual(['embedding.table', [5, 8]]);
    expect(names.some(([n]) => n.startsWith('input.'))).toBe(false);
    expect(new Map(names).get('layers.0.attention.additive.weight')).toEqual([2, 4]);
    expect(new Map(names).has('layers.1.attention.additive.weight')).toBe(false);
    const r = resolveSpec(tokenSpec);
    expect(r.inputSize).toBe(1);
    expect(r.attention.map((a) => a.relevance)).toEqual(['additive', 'dot']);
  });

  it('refuses bad token specs naming the field', () => {
    expect(code(() => resolveSpec({ ...tokenSpec, input: { kind: 'tokens', vocabSize: 2.5 } }))).toMatch(
      /^ERR_SPEC spec.input.vocabSize/,
    );
    expect(code(() => resolveSpec({ ...tokenSpec, input: { kind: 'words' } as never }))).toMatch(
      /^ERR_SPEC spec.input.kind/,
    );
    expect(code(() => resolveSpec({ ...tokenSpec, inputSize: 3 }))).toMatch(/^ERR_SPEC spec.inputSize/);
    const { input: _input, ...features } = tokenSpec;
    expect(code(() => resolveSpec(features))).toMatch(/^ERR_SPEC spec.inputSize/);
  });
});

describe('model runs with token ids and graphs', () => {
  const spec = resolveSpec(tokenSpec);

  it('checks ids at valid positions only, naming the position, and zeroes the padding', () => {
    const run = prepareModelRun(spec, { shape: [2, 3], data: Int32Array.of(4, 0, 1, 2, 3, -7) }, { lengths: [3, 2] });
    expect(Array.from(run.tokens!)).toEqual([4, 0, 1, 2, 3, 0]);
    expect(Array.from(run.input)).toEqual([4, 0, 1, 2, 3, 0]);
    expect(code(() => prepareModelRun(spec, { shape: [2, 3], data: Int32Array.of(4, 0, 1, 2, 5, 0) }))).toBe(
      'ERR_RANGE input: token at [1, 1] is 5; expected an integer id 0..4',
    );
    expect(code(() => prepareModelRun(spec, { shape: [1, 2], data: Float32Array.of(0, NaN) }))).toMatch(
      /^ERR_RANGE input: token at \[0, 1\] is NaN/,
    );
    expect(code(() => prepareModelRun(spec, { shape: [1, 2], data: Float64Array.of(0, 1) as never }))).toMatch(
      /^ERR_TYPE/,
    );
  });

  it('gives a shared graph as graph edges and graphs per sequence as a [B, 1, S, S] bool mask', () => {
    const shared = prepareModelRun(
      spec,
      { shape: [1, 3], data: Int32Array.of(0, 1, 2) },
      { graph: { edges: [0, 1, 1, 0] } },
    );
    const o1 = layerAttentionOptions(spec, 0, {
      lengths: shared.lengths,
      padded: false,
      graph: shared.graph,
      length: 3,
    });
    expect(Array.from(o1.graph!.edges)).toEqual([0, 1, 1, 0]);
    const per = prepareModelRun(
      spec,
      { shape: [2, 2], data: Int32Array.of(0, 1, 2, 3) },
      { graph: [{ edges: [0, 1] }, { edges: [1, 1] }] },
    );
    const o2 = layerAttentionOptions(spec, 1, { lengths: per.lengths, padded: false, graph: per.graph, length: 2 });
    expect(o2.mask?.shape).toEqual([2, 1, 2, 2]);
    expect(Array.from(o2.mask!.data)).toEqual([0, 1, 0, 0, 0, 0, 0, 1]);
    expect(o2.causal).toBe(true);
  });

  it('passes the additive weights of a layer as its relevance', () => {
    const w = initWeights(spec, { seed: 1 }).get('layers.0.attention.additive.weight')!;
    const o = layerAttentionOptions(spec, 0, undefined, w.data);
    expect(o.relevance).toEqual({ kind: 'additive', weights: { shape: [2, 4], data: w.data } });
    expect(layerAttentionOptions(spec, 1, undefined, w.data).relevance).toBeUndefined();
  });
});

describe('additive relevance options', () => {
  const q = { shape: [1, 2, 3, 4], data: new Float32Array(24).fill(0.1) };
  const weights = { shape: [2, 4], data: new Float32Array(8).fill(0.5) };

  it('resolves to a copy of the weights, no scale, and needs the additive feature', () => {
    const p = prepareAttention(q, q, q, { relevance: { kind: 'additive', weights } });
    expect(p.scale).toBe(1);
    expect(Array.from(p.additive!)).toEqual(Array.from(weights.data));
    expect(p.additive).not.toBe(weights.data);
    expect(prepareAttention(q, q, q, { relevance: 'dot' }).additive).toBeUndefined();
  });

  it('refuses weights of the wrong shape, non-finite weights, a scale, or an unknown kind', () => {
    expect(
      code(() =>
        prepareAttention(q, q, q, { relevance: { kind: 'additive', weights: { shape: [4, 2], data: weights.data } } }),
      ),
    ).toMatch(/^ERR_SHAPE options.relevance.weights: shape \[4,2\]/);
    expect(
      code(() =>
        prepareAttention(q, q, q, {
          relevance: { kind: 'additive', weights: { shape: [2, 4], data: new Float32Array(8).fill(Infinity) } },
        }),
      ),
    ).toMatch(/^ERR_NON_FINITE options.relevance.weights/);
    expect(code(() => prepareAttention(q, q, q, { relevance: { kind: 'additive', weights }, scale: 2 }))).toMatch(
      /^ERR_OPTION options.scale/,
    );
    expect(code(() => prepareAttention(q, q, q, { relevance: { kind: 'bilinear' } as never }))).toMatch(
      /^ERR_OPTION options.relevance/,
    );
  });
});
