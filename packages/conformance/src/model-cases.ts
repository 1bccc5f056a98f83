/**
 * Model cases: seeded random encoder specs covering every option of the spec (positional encodings,
 * pre/post norm, ReLU/GELU, grouped KV heads, causal, windows, per-layer settings, both output heads),
 * random weights (biases and norms too), batches with different lengths; the compiled model must match
 * the float64 reference forward pass.
 */
import {
  float16Bits,
  float32FromHalf,
  fmtShape,
  initWeights,
  resolveSpec,
  seededRandom,
  toFloat16,
  type DType,
  type HalfTensor,
  type ModelSpec,
  type RunGraphOption,
  type Tensor,
  type TokenTensor,
} from '@attnkit/core';
import type { ConformanceCase } from './case.js';
import { assertClose, ConformanceFailure, type Tolerance } from './compare.js';
import { snapshot, weightArrays } from './ownership.js';
import { referenceModel } from './reference-model.js';

/** float32 tolerance for a model of `layers` layers: errors grow with depth. */
export function modelTolerance(layers: number): Tolerance {
  return { abs: 5e-5 * (layers + 1), rel: 5e-5 * (layers + 1) };
}

interface ModelCaseDef {
  readonly name: string;
  readonly spec: ModelSpec;
  readonly batch: number;
  readonly length: number;
  readonly lengths?: number[];
  readonly attentionOf?: number[];
  /** The run's graph. */
  readonly graph?: RunGraphOption;
}

/** A ring over `n` nodes with self-loops and one chord: a small graph every node of which has neighbours. */
function ringEdges(n: number, chord: number): Int32Array {
  const e: number[] = [];
  for (let i = 0; i < n; i++) e.push(i, i, i, (i + 1) % n, (i + 1) % n, i);
  e.push(0, chord % n, chord % n, 0);
  return Int32Array.from(e);
}

const base = { type: 'transformer-encoder', inputSize: 5, dModel: 16, heads: 4, layers: 2, ffnSize: 24 } as const;

const DEFS: ModelCaseDef[] = [
  { name: 'sinusoidal-pre-gelu', spec: { ...base, output: { kind: 'per-position', classes: 3 } }, batch: 1, length: 9 },
  {
    name: 'none-post-relu',
    spec: {
      ...base,
      positional: { kind: 'none' },
      norm: 'post',
      activation: 'relu',
      output: { kind: 'per-position', classes: 4 },
    },
    batch: 2,
    length: 7,
    lengths: [7, 4],
  },
  {
    name: 'learned-gqa-pooled',
    spec: {
      ...base,
      kvHeads: 2,
      positional: { kind: 'learned', maxLength: 20 },
      output: { kind: 'pooled', classes: 3 },
    },
    batch: 3,
    length: 11,
    lengths: [11, 6, 1],
  },
  {
    name: 'rope-causal',
    spec: {
      ...base,
      positional: { kind: 'rope' },
      attention: { causal: true },
      output: { kind: 'per-position', classes: 2 },
    },
    batch: 2,
    length: 10,
    lengths: [10, 8],
    attentionOf: [1],
  },
  {
    name: 'rope-base-mqa-window',
    spec: {
      ...base,
      kvHeads: 1,
      positional: { kind: 'rope', base: 500 },
      attention: { window: { left: 2, right: 3 } },
      output: { kind: 'per-position', classes: 3 },
    },
    batch: 1,
    length: 13,
  },
  {
    name: 'alibi-post-pooled',
    spec: { ...base, positional: { kind: 'alibi' }, norm: 'post', output: { kind: 'pooled', classes: 2 } },
    batch: 2,
    length: 8,
    lengths: [5, 8],
    attentionOf: [0, 1],
  },
  {
    name: 'per-layer-attention',
    spec: {
      ...base,
      layers: 3,
      attention: [{ causal: true }, { window: { left: 1, right: 1 } }, { causal: true, window: { left: 4, right: 0 } }],
      output: { kind: 'per-position', classes: 5 },
    },
    batch: 2,
    length: 12,
    lengths: [12, 9],
    attentionOf: [2],
  },
  {
    name: 'window-padding-long',
    spec: {
      ...base,
      dModel: 8,
      heads: 2,
      layers: 1,
      ffnSize: 16,
      attention: { window: { left: 8, right: 8 } },
      output: { kind: 'per-position', classes: 3 },
    },
    batch: 2,
    length: 150,
    lengths: [150, 97],
  },
  {
    name: 'single-frame',
    spec: { ...base, layers: 1, output: { kind: 'per-position', classes: 2 } },
    batch: 1,
    length: 1,
  },
  {
    name: 'deep-4-layers',
    spec: {
      ...base,
      layers: 4,
      activation: 'relu',
      attention: { window: { left: 3, right: 3 } },
      output: { kind: 'per-position', classes: 8 },
    },
    batch: 1,
    length: 20,
  },
  {
    name: 'tokens-pooled',
    spec: {
      ...base,
      inputSize: undefined,
      input: { kind: 'tokens', vocabSize: 11 },
      output: { kind: 'pooled', classes: 3 },
    },
    batch: 2,
    length: 9,
    lengths: [9, 5],
  },
  {
    name: 'tokens-learned-mixed-relevance',
    spec: {
      ...base,
      inputSize: undefined,
      input: { kind: 'tokens', vocabSize: 7 },
      heads: 2,
      kvHeads: 1,
      positional: { kind: 'learned', maxLength: 12 },
      attention: [{ relevance: 'additive' }, { causal: true }],
      output: { kind: 'per-position', classes: 4 },
    },
    batch: 2,
    length: 10,
    lengths: [10, 6],
    attentionOf: [0],
  },
  {
    name: 'additive-rope-window',
    spec: {
      ...base,
      positional: { kind: 'rope' },
      attention: { relevance: 'additive', window: { left: 2, right: 1 } },
      output: { kind: 'per-position', classes: 3 },
    },
    batch: 1,
    length: 11,
    attentionOf: [1],
  },
  {
    name: 'additive-alibi-post',
    spec: {
      ...base,
      positional: { kind: 'alibi' },
      norm: 'post',
      attention: [{ relevance: 'additive' }, { relevance: 'additive', causal: true }],
      output: { kind: 'pooled', classes: 2 },
    },
    batch: 2,
    length: 8,
    lengths: [8, 3],
  },
  {
    name: 'graph-shared',
    spec: { ...base, positional: { kind: 'none' }, output: { kind: 'per-position', classes: 3 } },
    batch: 2,
    length: 9,
    graph: { edges: ringEdges(9, 4) },
    attentionOf: [1],
  },
  {
    name: 'graph-per-sequence-additive-pooled',
    spec: {
      ...base,
      positional: { kind: 'none' },
      attention: [{ relevance: 'additive' }, {}],
      output: { kind: 'pooled', classes: 2 },
    },
    batch: 2,
    length: 7,
    lengths: [7, 5],
    graph: [{ edges: ringEdges(7, 3) }, { edges: ringEdges(5, 2) }],
    attentionOf: [0],
  },
];

/** How a case gives its weights, and the dtype it compiles them to. */
export interface ModelCaseWeights {
  /** The dtype of the tensors given to `compile`. */
  readonly given: DType;
  /** `compile`'s `options.dtype`. */
  readonly dtype: DType;
}

const FLOAT32_WEIGHTS: ModelCaseWeights = { given: 'float32', dtype: 'float32' };

/** Every model case, in a stable order. */
export function modelCases(): ConformanceCase[] {
  return DEFS.map((def, n) => modelCase(`models/${def.name}`, n, FLOAT32_WEIGHTS));
}

/** The names of the model case definitions, in the order {@link modelCase} numbers them. @internal */
export const MODEL_CASE_NAMES: readonly string[] = DEFS.map((d) => d.name);

/**
 * Model case number `n` (of {@link MODEL_CASE_NAMES}) with its weights given and compiled as `mode` says.
 * The float64 reference runs on exactly the weights the model holds: the float32 weights, or, when either
 * side is float16, the same weights rounded to float16 (exact in float32 and float64).
 * @internal
 */
export function modelCase(id: string, n: number, mode: ModelCaseWeights): ConformanceCase {
  const def = DEFS[n]!;
  const spec = resolveSpec(def.spec);
  const weights32 = initWeights(spec, { seed: 100 + n, randomAll: true });
  const half = mode.given === 'float16' || mode.dtype === 'float16';
  const weights: Map<string, Tensor | HalfTensor> =
    mode.given === 'float16' ? new Map([...weights32].map(([k, t]) => [k, toFloat16(t)])) : weights32;
  const held = new Map(
    [...weights32].map(([k, t]) => [k, half ? float32FromHalf(float16Bits(t.data)) : t.data] as const),
  );
  const rng = seededRandom(500 + n);
  const lengths = def.lengths ?? Array.from({ length: def.batch }, () => def.length);
  const vocab = spec.input.kind === 'tokens' ? spec.input.vocabSize : 0;
  const input: Tensor | TokenTensor =
    vocab > 0
      ? {
          shape: [def.batch, def.length],
          // Padded positions hold -1: ids there are ignored.
          data: Int32Array.from({ length: def.batch * def.length }, (_, r) =>
            r % def.length < lengths[Math.floor(r / def.length)]! ? rng.int(0, vocab - 1) : -1,
          ),
        }
      : {
          shape: [def.batch, def.length, spec.inputSize],
          data: Float32Array.from({ length: def.batch * def.length * spec.inputSize }, () => rng.uniform(-1, 1)),
        };
  const graph = def.graph === undefined ? {} : { graph: def.graph };
  const runGraph =
    def.graph === undefined
      ? undefined
      : Array.isArray(def.graph)
        ? { shared: false, edges: def.graph.map((g) => Int32Array.from(g.edges)) }
        : { shared: true, edges: [Int32Array.from((def.graph as { edges: ArrayLike<number> }).edges)] };
  return {
    id,
    group: 'models',
    needs: [
      'models',
      ...(mode.dtype === 'float16' ? (['models:float16'] as const) : []),
      ...(spec.attention.some((a) => a.relevance === 'additive') ? (['additive'] as const) : []),
      ...(def.graph === undefined ? [] : Array.isArray(def.graph) ? (['boolMask'] as const) : (['graph'] as const)),
    ],
    async run(backend) {
      // The caller's weights and input must come back untouched, and the model must not alias them.
      const unchanged = snapshot([...weightArrays(weights), ['input.data', input.data]]);
      const model = await backend.compile(def.spec, weights, mode.dtype === 'float16' ? { dtype: 'float16' } : {});
      try {
        if (model.dtype !== mode.dtype)
          throw new ConformanceFailure(`model.dtype is ${String(model.dtype)}, expected ${mode.dtype}`);
        const out = await model.run(input, { lengths, attentionOf: def.attentionOf ?? [], ...graph });
        unchanged();
        if (out.logits.data.buffer === input.data.buffer) throw new Error('logits share memory with the input');
        const ref = referenceModel(
          spec,
          held,
          input.data,
          def.batch,
          def.length,
          lengths,
          def.attentionOf ?? [],
          runGraph,
        );
        const tol = modelTolerance(spec.layers);
        const shape =
          spec.output.kind === 'pooled'
            ? [def.batch, spec.output.classes]
            : [def.batch, def.length, spec.output.classes];
        if (out.logits.shape.join() !== shape.join())
          throw new Error(`logits shape ${fmtShape(out.logits.shape)} expected ${fmtShape(shape)}`);
        assertClose(out.logits.data, ref.logits, tol, 'logits');
        for (let i = 0; i < (def.attentionOf ?? []).length; i++) {
          assertClose(out.attention?.[i]?.data, ref.attention[i]!, tol, `attention of layer ${def.attentionOf![i]}`);
        }
        // A compiled model runs many times with the same result.
        const again = await model.run(input, { lengths, attentionOf: def.attentionOf ?? [], ...graph });
        assertClose(again.logits.data, out.logits.data, { abs: 0, rel: 0 }, 'second run');
      } finally {
        await model.dispose();
      }
    },
  };
}
