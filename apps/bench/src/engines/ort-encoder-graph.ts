/**
 * The transformer encoder of a {@link ModelSpec} as one plain ONNX graph (opset 20: MatMul, Add,
 * LayerNormalization, Gelu, Softmax, Reshape, Transpose; Split, Neg, Concat for RoPE), the way a user exports a model for onnxruntime
 * without attnkit. It follows the forward pass documented in `@attnkit/core`'s model spec; per-layer
 * causal/window masks are additive `[S, S]` constants, so a graph is built for one length.
 *
 * Shape legend: B batch, S length, F features, d dModel, H heads, Dh head size, C classes.
 */
import { resolveSpec, sinusoidTable, type ModelSpec, type Tensor } from '@attnkit/core';
import { bandBias, maskBand } from '../inputs.js';
import { graph } from './onnx-graph.js';
import { ropeTables } from './rope-tables.js';

function transposed(t: Tensor): { dims: number[]; data: Float32Array } {
  const [rows, cols] = t.shape as [number, number];
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c]!;
  return { dims: [cols, rows], data: out };
}

/** Why the encoder peer cannot express a spec, or `undefined`. */
export function encoderGraphUnsupported(spec: ModelSpec): string | undefined {
  const r = resolveSpec(spec);
  if (r.kvHeads !== r.heads) return 'the plain-graph encoder has no grouped-query heads';
  if (r.positional.kind === 'alibi') return 'the plain-graph encoder has no ALiBi (its bias would be [H, S, S])';
  return undefined;
}

/** Encodes the encoder graph for input `[B, S, F]` named `input`; the output is `logits`. */
export function encoderGraph(spec: ModelSpec, weights: ReadonlyMap<string, Tensor>, B: number, S: number): Uint8Array {
  const why = encoderGraphUnsupported(spec);
  if (why) throw new Error(why);
  const r = resolveSpec(spec);
  const { dModel: d, heads: H, headDim: Dh } = r;
  const g = graph('encoder');
  const w = (name: string): Tensor => {
    const t = weights.get(name);
    if (!t) throw new Error(`weights: "${name}" is missing`);
    return t;
  };
  const linear = (x: string, prefix: string, out: string): string => {
    const wt = transposed(w(`${prefix}.weight`));
    g.constant(`${prefix}.weightT`, wt.dims, wt.data);
    g.constant(`${prefix}.bias`, w(`${prefix}.bias`).shape, w(`${prefix}.bias`).data);
    g.node('MatMul', [x, `${prefix}.weightT`], [`${out}.mm`]);
    g.node('Add', [`${out}.mm`, `${prefix}.bias`], [out]);
    return out;
  };
  const norm = (x: string, prefix: string, out: string): string => {
    g.constant(`${prefix}.weight`, [d], w(`${prefix}.weight`).data);
    g.constant(`${prefix}.bias`, [d], w(`${prefix}.bias`).data);
    g.node('LayerNormalization', [x, `${prefix}.weight`, `${prefix}.bias`], [out], {
      axis: { i: -1 },
      epsilon: { f: r.normEpsilon },
    });
    return out;
  };
  g.input('input', [B, S, r.inputSize]);
  g.constantInt64('shape.heads', [B, S, H, Dh]);
  g.constantInt64('shape.model', [B, S, d]);
  g.constant('scale', [], Float32Array.of(1 / Math.sqrt(Dh)));
  let h = linear('input', 'input', 'h0');
  if (r.positional.kind === 'sinusoidal' || r.positional.kind === 'learned') {
    const table =
      r.positional.kind === 'sinusoidal' ? sinusoidTable(S, d) : w('positional.table').data.subarray(0, S * d);
    g.constant('positions', [S, d], table);
    h = g.node('Add', [h, 'positions'], ['h0.pos'])[0]!;
  }
  const rope = r.positional.kind === 'rope';
  if (rope) {
    const t = ropeTables(S, Dh, (r.positional as { base?: number }).base ?? 10000);
    g.constant('rope.cos', [S, Dh], t.cos);
    g.constant('rope.sin', [S, Dh], t.sin);
    g.constantInt64('rope.split', [Dh / 2, Dh / 2]);
  }
  /** `[B, S, H·Dh]` → `[B, H, S, Dh]`, rotated when the spec uses RoPE: `x·cos + [-x₂, x₁]·sin`. */
  const split = (x: string, name: string, rotate = false): string => {
    g.node('Reshape', [x, 'shape.heads'], [`${name}.r`]);
    const t = g.node('Transpose', [`${name}.r`], [`${name}.t`], { perm: { ints: [0, 2, 1, 3] } })[0]!;
    if (!rotate || !rope) return t;
    g.node('Split', [t, 'rope.split'], [`${name}.x1`, `${name}.x2`], { axis: { i: -1 } });
    g.node('Neg', [`${name}.x2`], [`${name}.nx2`]);
    g.node('Concat', [`${name}.nx2`, `${name}.x1`], [`${name}.rot`], { axis: { i: -1 } });
    g.node('Mul', [t, 'rope.cos'], [`${name}.c`]);
    g.node('Mul', [`${name}.rot`, 'rope.sin'], [`${name}.s`]);
    return g.node('Add', [`${name}.c`, `${name}.s`], [`${name}.rope`])[0]!;
  };
  for (let l = 0; l < r.layers; l++) {
    const p = `layers.${l}`;
    const attn = (x: string): string => {
      const q = split(linear(x, `${p}.attention.query`, `${p}.q`), `${p}.q`, true);
      const k = split(linear(x, `${p}.attention.key`, `${p}.k`), `${p}.k`, true);
      const v = split(linear(x, `${p}.attention.value`, `${p}.v`), `${p}.v`);
      g.node('Transpose', [k], [`${p}.kt`], { perm: { ints: [0, 1, 3, 2] } });
      g.node('MatMul', [q, `${p}.kt`], [`${p}.scores`]);
      let s = g.node('Mul', [`${p}.scores`, 'scale'], [`${p}.scaled`])[0]!;
      const band = maskBand(r.attention[l]!);
      if (band) {
        g.constant(`${p}.mask`, [S, S], bandBias(S, band));
        s = g.node('Add', [s, `${p}.mask`], [`${p}.masked`])[0]!;
      }
      g.node('Softmax', [s], [`${p}.probs`], { axis: { i: -1 } });
      g.node('MatMul', [`${p}.probs`, v], [`${p}.ctx`]);
      g.node('Transpose', [`${p}.ctx`], [`${p}.ctx.t`], { perm: { ints: [0, 2, 1, 3] } });
      g.node('Reshape', [`${p}.ctx.t`, 'shape.model'], [`${p}.ctx.m`]);
      return linear(`${p}.ctx.m`, `${p}.attention.output`, `${p}.attn`);
    };
    const ffn = (x: string): string => {
      const hidden = linear(x, `${p}.ffn.hidden`, `${p}.ffn.h`);
      if (r.activation === 'gelu') g.node('Gelu', [hidden], [`${p}.ffn.act`], { approximate: { s: 'tanh' } });
      else g.node('Relu', [hidden], [`${p}.ffn.act`]);
      return linear(`${p}.ffn.act`, `${p}.ffn.output`, `${p}.ffn`);
    };
    if (r.norm === 'pre') {
      g.node('Add', [h, attn(norm(h, `${p}.norm1`, `${p}.n1`))], [`${p}.h1`]);
      h = g.node('Add', [`${p}.h1`, ffn(norm(`${p}.h1`, `${p}.norm2`, `${p}.n2`))], [`${p}.h2`])[0]!;
    } else {
      g.node('Add', [h, attn(h)], [`${p}.r1`]);
      norm(`${p}.r1`, `${p}.norm1`, `${p}.h1`);
      g.node('Add', [`${p}.h1`, ffn(`${p}.h1`)], [`${p}.r2`]);
      h = norm(`${p}.r2`, `${p}.norm2`, `${p}.h2`);
    }
  }
  if (r.norm === 'pre') h = norm(h, 'final_norm', 'final');
  const C = r.output.classes;
  if (r.output.kind === 'pooled') {
    g.constantInt64('axis.seq', [1]);
    h = g.node('ReduceMean', [h, 'axis.seq'], ['pooled'], { keepdims: { i: 0 } })[0]!;
    g.output('logits', [B, C]);
  } else {
    g.output('logits', [B, S, C]);
  }
  linear(h, 'head', 'logits');
  return g.encode(20);
}
