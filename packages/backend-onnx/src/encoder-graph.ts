/**
 * The whole transformer encoder of a model spec as one ONNX graph, weights as initializers under their
 * attnkit names (`layers.0.attention.query.weight`, `[out, in]` as in the weights file). Semantics: the
 * model spec in `@attnkit/core`.
 *
 * Shape legend: B batch, S length, F input size, d dModel, H/Hkv heads, Dh head size, C classes.
 *
 * Inputs:  `input` `[B, S, F]` float32 (token ids `[B, S, 1]` as float32 with token input); `lengths` `[B]`
 *          int64 (valid length of each sequence, 1..S); with the `graph` option, `graph` `[Bg, 1, S, S]` bool.
 * Outputs: `logits` `[B, S, C]` (zeros at padded positions) or `[B, C]` (pooled); with
 *          `attentionOutputs`, also `attention.L` `[B, H, S, S]` (probabilities of layer L).
 *
 * Attention runs on the standard `Attention` operator with packed `[B, S, H·Dh]` inputs; a layer without
 * causal/window/ALiBi masks padded keys with `nonpad_kv_seqlen` (it has no alignment to move); otherwise a
 * `[B, 1, S, S]` visibility mask (bool, or a float bias with ALiBi) is built in the graph, top-left aligned
 * (the operator's own causal flag would align to `nonpad_kv_seqlen` and does not broadcast a key mask).
 * Additive layers, and every layer of a graph run, are explicit ops instead (`explicit-attention.ts`).
 *
 * float16 weights: float16 initializers (linear weights transposed and q|k|v fused, see
 * {@link halfInitializers}), each cast to float32 where it is used, so activations and arithmetic stay
 * float32; table lookups (embedding, learned positions) cast only the rows they take.
 */
import { weightShapes, type HalfModelWeights, type ModelWeights, type ResolvedSpec } from '@attnkit/core';
import { bandedAttention, bandOf, isBanded, type Band } from './banded-attention.js';
import {
  alibiBias,
  applyRope,
  indexGrid,
  layerVisibility,
  maskedBias,
  reduceSum,
  ropeTables,
  sinusoidTable,
  validPositions,
  type RunShape,
} from './encoder-positions.js';
import { additiveOperand, explicitAttention } from './explicit-attention.js';
import { DType, float, GraphBuilder, int, ints, str, type Attr } from './onnx-builder.js';

/** The opset of the encoder graph. */
export const ENCODER_OPSET = 24;

/** Options of {@link encoderGraph}. */
export interface EncoderGraphOptions {
  /** Also output every layer's attention probabilities as `attention.L`. */
  readonly attentionOutputs?: boolean;
  /**
   * Take a graph: input `graph` `[Bg, 1, S, S]` bool (`Bg` 1 or B; true = edge), and-ed into every layer's
   * visibility. Every layer then runs as explicit ops (a node without edges outputs zeros).
   */
  readonly graph?: boolean;
}

/**
 * Builds the encoder's ONNX model bytes. Weights must be complete (validated by core). float16 weights
 * stay float16 initializers (see {@link halfInitializers}) and are cast to float32 where they are used.
 */
export function encoderGraph(spec: ResolvedSpec, weights: ModelWeights, options: EncoderGraphOptions = {}): Uint8Array {
  const g = new GraphBuilder('attnkit_encoder');
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh, inputSize: F } = spec;
  const half = weights.dtype === 'float16';
  if (half) halfInitializers(g, spec, weights);
  else for (const [name, shape] of weightShapes(spec)) g.initializer(name, weights.get(name)!, shape);
  /** A float32 value of weight `name` (a float16 initializer is cast where it is used). */
  const value = (name: string): string => (half ? g.op('Cast', [name], { to: int(DType.float) }) : name);
  /** The float32 `[in, out]` matrix of the linear layer `prefix`. */
  const matrix = (prefix: string): string =>
    half ? value(`${prefix}.weight${TRANSPOSED}`) : g.op('Transpose', [`${prefix}.weight`]);

  const x = g.input('input', DType.float, ['B', 'S', F]);
  const lengths = g.input('lengths', DType.int64, ['B']);
  const shape = g.op('Shape', [x]);
  const rs: RunShape = {
    S: g.op('Gather', [shape, g.int64s([1], [])], { axis: int(0) }),
    lengths,
  };
  const linear = (v: string, prefix: string): string =>
    g.op('Add', [g.op('MatMul', [v, matrix(prefix)]), value(`${prefix}.bias`)]);
  const norm = (v: string, prefix: string): string =>
    g.op('LayerNormalization', [v, value(`${prefix}.weight`), value(`${prefix}.bias`)], {
      axis: int(-1),
      epsilon: float(spec.normEpsilon),
    });

  let h =
    spec.input.kind === 'tokens'
      ? castRows(
          g.op('Gather', [
            'embedding.table',
            g.op('Cast', [g.op('Squeeze', [x, g.int64s([2])])], { to: int(DType.int64) }),
          ]),
        )
      : linear(x, 'input');
  /** Rows looked up in a table, as float32 (only those rows are cast). */
  function castRows(rows: string): string {
    return half ? g.op('Cast', [rows], { to: int(DType.float) }) : rows;
  }
  const pos = spec.positional;
  if (pos.kind === 'sinusoidal') h = g.op('Add', [h, sinusoidTable(g, rs, d)]);
  if (pos.kind === 'learned') {
    const S1 = g.op('Unsqueeze', [rs.S, g.int64s([0])]);
    h = g.op('Add', [h, castRows(g.op('Slice', ['positional.table', g.int64s([0]), S1, g.int64s([0])]))]);
  }
  const rope = pos.kind === 'rope' ? ropeTables(g, rs, Dh, pos.base ?? 10000) : undefined;
  const grid = indexGrid(g, rs);
  const valid = validPositions(g, rs, grid.j);
  const alibi = pos.kind === 'alibi' ? alibiBias(g, grid, H) : undefined;
  const graphMask = options.graph ? g.input('graph', DType.bool, ['Bg', 1, 'S', 'S']) : undefined;
  // Explicit layers: the layer's visibility (and the graph) as a float bias, ALiBi included.
  const explicitBiases = new Map<string, string>();
  const explicitBias = (l: number): string => {
    const a = spec.attention[l]!;
    const key = `${a.causal}|${a.window?.left}|${a.window?.right}`;
    let b = explicitBiases.get(key);
    if (!b) {
      let visible = layerVisibility(g, grid, valid, a);
      if (graphMask) visible = g.op('And', [visible, graphMask]);
      b = maskedBias(g, visible, alibi);
      explicitBiases.set(key, b);
    }
    return b;
  };
  const batch = g.op('Unsqueeze', [g.op('Gather', [shape, g.int64s([0], [])], { axis: int(0) }), g.int64s([0])]);
  const S1 = g.op('Unsqueeze', [rs.S, g.int64s([0])]);
  const grouped = (t: string, heads: number): string => {
    const G = H / heads;
    return g.op('Transpose', [g.op('Reshape', [t, g.int64s([0, 0, heads, G, Dh])])], { perm: ints([0, 2, 3, 1, 4]) });
  };
  const perHead = (t: string): string =>
    g.op('Transpose', [g.op('Reshape', [t, g.int64s([0, 0, Hkv, Dh])])], { perm: ints([0, 2, 1, 3]) });
  const explicitLayer = (l: number, q: string, k: string, val: string): { y: string; probs: string } => {
    const p = `layers.${l}.attention`;
    const additive = spec.attention[l]!.relevance === 'additive';
    const st = explicitAttention(
      g,
      {
        q: grouped(q, Hkv),
        k: perHead(k),
        v: perHead(val),
        scoresShape: g.op('Concat', [batch, g.int64s([H]), S1, S1], { axis: int(0) }),
        outShape: g.op('Concat', [batch, g.int64s([H]), S1, g.int64s([Dh])], { axis: int(0) }),
      },
      {
        ...(additive ? { additive: additiveOperand(g, value(`${p}.additive.weight`), Hkv, H / Hkv, Dh) } : {}),
        scale: 1 / Math.sqrt(Dh),
        softcap: 0,
        bias: explicitBias(l),
      },
    );
    // [B, H, S, Dh] → [B, S, H·Dh]
    const y = g.op('Reshape', [g.op('Transpose', [st.y], { perm: ints([0, 2, 1, 3]) }), g.int64s([0, 0, H * Dh])]);
    return { y, probs: st.probs };
  };

  // The mask (or nonpad lengths) of each distinct layer setting, shared by the layers that have it.
  const masks = new Map<string, { mask: string; nonpad: string }>();
  const layerMask = (l: number): { mask: string; nonpad: string } => {
    const a = spec.attention[l]!;
    const key = `${a.causal}|${a.window?.left}|${a.window?.right}`;
    let m = masks.get(key);
    if (!m) {
      if (a.causal || a.window || alibi) {
        const visible = layerVisibility(g, grid, valid, a);
        m = { mask: alibi ? maskedBias(g, visible, alibi) : visible, nonpad: '' };
      } else {
        m = { mask: '', nonpad: lengths };
      }
      masks.set(key, m);
    }
    return m;
  };

  // Banded attention (O(S·W)) for a layer with a window finite on both sides, unless the attention
  // probabilities are asked for (they are [B, H, S, S]) or ALiBi adds its bias; one band per window.
  const bands = new Map<string, Band>();
  const layerBand = (l: number): Band | undefined => {
    const a = spec.attention[l]!;
    if (options.attentionOutputs || alibi || !isBanded(a)) return undefined;
    const key = `${a.causal}|${a.window.left}|${a.window.right}`;
    let b = bands.get(key);
    if (!b) bands.set(key, (b = bandOf(g, rs, a, H / Hkv)));
    return b;
  };

  const mha = (v: string, l: number): string => {
    const p = `layers.${l}.attention`;
    let qkv: string;
    if (half) {
      qkv = linear(v, `${p}.qkv`);
    } else {
      const parts = ['query', 'key', 'value'];
      const w = g.op(
        'Concat',
        parts.map((n) => `${p}.${n}.weight`),
        { axis: int(0) },
      );
      const b = g.op(
        'Concat',
        parts.map((n) => `${p}.${n}.bias`),
        { axis: int(0) },
      );
      qkv = g.op('Add', [g.op('MatMul', [v, g.op('Transpose', [w])]), b]);
    }
    let [q, k, val] = g.opN('Split', [qkv, g.int64s([H * Dh, Hkv * Dh, Hkv * Dh])], 3, { axis: int(2) }) as [
      string,
      string,
      string,
    ];
    if (rope) {
      q = applyRope(g, q, H, Dh, rope);
      k = applyRope(g, k, Hkv, Dh, rope);
    }
    if (graphMask || spec.attention[l]!.relevance === 'additive') {
      const r = explicitLayer(l, q, k, val);
      if (options.attentionOutputs) {
        g.op('Identity', [r.probs], {}, `attention.${l}`);
        g.output(`attention.${l}`, DType.float, ['B', H, 'S', 'S']);
      }
      return linear(r.y, `${p}.output`);
    }
    const band = layerBand(l);
    if (band) return linear(bandedAttention(g, band, rs, q, k, val, { H, Hkv, Dh }), `${p}.output`);
    const m = layerMask(l);
    const attrs: Record<string, Attr> = {
      q_num_heads: int(H),
      kv_num_heads: int(Hkv),
      scale: float(1 / Math.sqrt(Dh)),
    };
    const outs = [g.fresh()];
    if (options.attentionOutputs) {
      attrs.qk_matmul_output_mode = int(3);
      outs.push('', '', `attention.${l}`);
    }
    const inputs = [q, k, val, m.mask, '', '', m.nonpad];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    const [y] = g.opN('Attention', inputs, outs.length, attrs, outs);
    if (options.attentionOutputs) g.output(`attention.${l}`, DType.float, ['B', H, 'S', 'S']);
    return linear(y!, `${p}.output`);
  };
  const ffn = (v: string, l: number): string => {
    const hidden = linear(v, `layers.${l}.ffn.hidden`);
    const act =
      spec.activation === 'relu' ? g.op('Relu', [hidden]) : g.op('Gelu', [hidden], { approximate: str('tanh') });
    return linear(act, `layers.${l}.ffn.output`);
  };

  for (let l = 0; l < spec.layers; l++) {
    const n1 = `layers.${l}.norm1`,
      n2 = `layers.${l}.norm2`;
    if (spec.norm === 'pre') {
      h = g.op('Add', [h, mha(norm(h, n1), l)]);
      h = g.op('Add', [h, ffn(norm(h, n2), l)]);
    } else {
      h = norm(g.op('Add', [h, mha(h, l)]), n1);
      h = norm(g.op('Add', [h, ffn(h, l)]), n2);
    }
  }
  if (spec.norm === 'pre') h = norm(h, 'final_norm');

  const validCol = g.op('Unsqueeze', [valid, g.int64s([2])]);
  const C = spec.output.classes;
  if (spec.output.kind === 'pooled') {
    const sum = reduceSum(g, g.op('Where', [validCol, h, g.floats(0)]), [1]);
    const count = g.op('Cast', [g.op('Unsqueeze', [lengths, g.int64s([1])])], { to: int(DType.float) });
    g.op('Add', [g.op('MatMul', [g.op('Div', [sum, count]), matrix('head')]), value('head.bias')], {}, 'logits');
    g.output('logits', DType.float, ['B', C]);
  } else {
    g.op('Where', [validCol, linear(h, 'head'), g.floats(0)], {}, 'logits');
    g.output('logits', DType.float, ['B', 'S', C]);
  }
  return g.encode(ENCODER_OPSET);
}

/** The suffix of a float16 graph's linear weights, stored transposed (`[in, out]`). */
export const TRANSPOSED = '.transposed';

/**
 * A float16 graph's weights, as ONNX Runtime will keep them: float16 initializers, with what the float32
 * graph leaves to ONNX Runtime's constant folding done here instead (each linear weight transposed to
 * `[in, out]` as `<name>.transposed`, q|k|v fused per layer as `layers.L.attention.qkv.weight.transposed` and
 * `layers.L.attention.qkv.bias`), since a float16 session runs without constant folding: folding would
 * turn every `Cast` of a weight into a float32 copy of it.
 */
export function halfInitializers(g: GraphBuilder, spec: ResolvedSpec, weights: HalfModelWeights): void {
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh } = spec;
  const put = (name: string, data: Uint16Array, shape: readonly number[]): void => {
    g.initializer(name, data, shape);
  };
  /** `[O, I]` → `[I, O]`. */
  const transposed = (w: Uint16Array, O: number, I: number): Uint16Array => {
    const t = new Uint16Array(O * I);
    for (let o = 0; o < O; o++) for (let i = 0; i < I; i++) t[i * O + o] = w[o * I + i]!;
    return t;
  };
  const fused = new Set<string>();
  for (let l = 0; l < spec.layers; l++) {
    const p = `layers.${l}.attention`;
    const rows = (H + 2 * Hkv) * Dh;
    const w = new Uint16Array(rows * d),
      b = new Uint16Array(rows);
    let at = 0;
    for (const part of ['query', 'key', 'value']) {
      w.set(weights.get(`${p}.${part}.weight`)!, at * d);
      b.set(weights.get(`${p}.${part}.bias`)!, at);
      at += (part === 'query' ? H : Hkv) * Dh;
      fused.add(`${p}.${part}.weight`).add(`${p}.${part}.bias`);
    }
    put(`${p}.qkv.weight${TRANSPOSED}`, transposed(w, rows, d), [d, rows]);
    put(`${p}.qkv.bias`, b, [rows]);
  }
  for (const [name, shape] of weightShapes(spec)) {
    if (fused.has(name)) continue;
    const data = weights.get(name)!;
    const linearWeight = name.endsWith('.weight') && shape.length === 2 && !name.endsWith('additive.weight');
    if (linearWeight) put(`${name}${TRANSPOSED}`, transposed(data, shape[0]!, shape[1]!), [shape[1]!, shape[0]!]);
    else put(name, data, shape);
  }
}
