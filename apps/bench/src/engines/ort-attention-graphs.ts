/**
 * Attention as plain ONNX graphs, as a user writes it for onnxruntime without attnkit.
 *
 * Shape legend: B batch, Hq query heads, Hkv key/value heads (G = Hq / Hkv), Sq query length, S key
 * length, D head size.
 *
 * - `matmul`: `Softmax(Q·Kᵀ · scale + Bias)·V` from standard operators (Transpose, MatMul, Mul, Add,
 *   Softmax), opset 17; masks are an additive `Bias [S, S]` input (0 or -Infinity). Grouped heads: the G
 *   query heads of a key/value head are reshaped into G·Sq rows.
 * - `attention-op`: the standard `Attention` operator (opset 23) on `[B, H, S, D]` (grouped heads
 *   natively); causal through its `is_causal` attribute, windows as an additive `attn_mask [S, S]` input.
 * - `mha`: com.microsoft `MultiHeadAttention` (query `[B, Sq, Hq·D]`, keys and values `[B, H, S, D]`);
 *   masks as `attention_bias [B, Hq, Sq, S]`. No grouped heads.
 * - `gqa`: com.microsoft `GroupQueryAttention`, for decode steps only (one query, unmasked): the last key
 *   and value are the new token `[B, 1, Hkv·D]`, the others the past cache `[B, Hkv, S − 1, D]`, as a
 *   decoder feeds it.
 *
 * float16 cases (`dtype: 'float16'`): the `attention-op` and `mha` graphs take Q, K, V (and the bias) and give Y
 * as float16 tensors, with no Cast in the graph; whether the runtime's kernel for the operator computes on
 * them is the runtime's to say (see `OrtRuntime.float16` in ort-session-peer.ts).
 *
 * Decoding through a cache ({@link cacheGraph}) is `GroupQueryAttention` with a past of fixed capacity C:
 * past and present are both `[B, Hkv, C, D]`, `seqlens_k` says how many entries the past holds, the new
 * token is written after them, and each step's present is the next step's past.
 */
import { attentionOptions, keyValueHeads, queryLength, type AttentionCase } from '../cases.js';
import { maskBand } from '../inputs.js';
import { graph } from './onnx-graph.js';

/** Which graph form. */
export type OrtAttentionForm = 'matmul' | 'attention-op' | 'mha' | 'gqa';

/** An encoded graph and what it expects. */
export interface AttentionGraph {
  readonly bytes: Uint8Array;
  /** Whether the graph takes the additive mask as input `Bias`. */
  readonly takesBias: boolean;
  /** The name of the output to read. */
  readonly output: string;
}

/** Why a graph form cannot express a case, or `undefined`. */
export function attentionGraphUnsupported(c: AttentionCase, form: OrtAttentionForm): string | undefined {
  const grouped = keyValueHeads(c) !== c.heads;
  const decode = queryLength(c) !== c.seq;
  if (form === 'gqa') {
    if (!decode || queryLength(c) !== 1 || c.mask !== 'none')
      return 'GroupQueryAttention is a decoder operator: measured on decode steps only';
    if (c.dtype === 'float16') return 'GroupQueryAttention is measured in float32 only';
    return gqaUnsupported(c);
  }
  if (c.dtype === 'float16' && form === 'matmul')
    return 'the plain MatMul/Softmax graph is written in float32 only (float16 attention: the Attention operator and MultiHeadAttention graphs)';
  if (form === 'mha' && grouped) return 'MultiHeadAttention has no grouped-query heads (see GroupQueryAttention)';
  if (form === 'matmul' && grouped && c.mask !== 'none') return 'the plain graph has no masked grouped heads';
  if (decode && c.mask !== 'none') return 'masked decode steps are not measured';
  return undefined;
}

/** Why onnxruntime's CPU provider (onnxruntime-node, onnxruntime-web on WebAssembly) runs no float16 graph of `form`. */
export function cpuFloat16Unsupported(form: OrtAttentionForm): string | undefined {
  if (form === 'attention-op') return undefined;
  if (form === 'mha')
    return "onnxruntime's CPU provider has no float16 MultiHeadAttention kernel (it would cast to float32 around it); the Attention-operator peer runs float16";
  return 'float16 attention is measured with the Attention operator (CPU) and MultiHeadAttention (WebGPU)';
}

/**
 * Why the WebGPU provider runs no float16 graph of `form` on an adapter with or without `shader-f16`. Without
 * it, onnxruntime-web 1.30 still creates the session and runs the float16 MultiHeadAttention graph, but its
 * output is wrong (seen on the software adapter: it differs from every other engine's), so the peer does not
 * run it there.
 */
export function webgpuFloat16Unsupported(form: OrtAttentionForm, shaderF16: boolean): string | undefined {
  if (!shaderF16)
    return "the WebGPU adapter lacks shader-f16: without it onnxruntime-web's WebGPU provider gives wrong float16 results, so float16 cases are not run";
  return form === 'mha' ? undefined : 'float16 attention on WebGPU is measured with MultiHeadAttention';
}

/** Why `GroupQueryAttention` cannot run a case's shape (its CPU kernel takes head sizes in multiples of 8). */
export function gqaUnsupported(c: AttentionCase): string | undefined {
  return c.headDim % 8 === 0 ? undefined : `GroupQueryAttention takes head sizes in multiples of 8, not ${c.headDim}`;
}

/** Builds the graph of one case; inputs `Q`, `K`, `V` as in the case (`[B, H, Sq, D]`, `[B, Hkv, S, D]`). */
export function attentionGraph(c: AttentionCase, form: OrtAttentionForm): AttentionGraph {
  const why = attentionGraphUnsupported(c, form);
  if (why) throw new Error(why);
  const B = c.batch,
    Hq = c.heads,
    Hkv = keyValueHeads(c),
    Sq = queryLength(c),
    S = c.seq,
    D = c.headDim;
  const qDims = [B, Hq, Sq, D];
  if (form === 'gqa') return gqaGraph(B, Hq, Hkv, S - 1, D, false);
  const g = graph(`attention-${form}`);
  const options = attentionOptions(c);
  // float16 cases: every input and the output in float16 (the bias too: the operators take one type).
  const el = c.dtype === 'float16' ? 'float16' : 'float32';
  g.input('Q', qDims, el);
  g.input('K', [B, Hkv, S, D], el);
  g.input('V', [B, Hkv, S, D], el);
  g.output('Y', qDims, el);
  if (form === 'attention-op') {
    const takesBias = options.window !== undefined;
    if (takesBias) g.input('Bias', [S, S], el);
    g.node(
      'Attention',
      ['Q', 'K', 'V', ...(takesBias ? ['Bias'] : [])],
      ['Y'],
      options.causal ? { is_causal: { i: 1 } } : {},
    );
    return { bytes: g.encode(23), takesBias, output: 'Y' };
  }
  const takesBias = maskBand(options) !== undefined;
  if (form === 'mha') {
    if (takesBias) g.input('Bias', [S, S], el);
    g.constantInt64('shape.packed', [B, Sq, Hq * D]);
    g.constantInt64('shape.split', [B, Sq, Hq, D]);
    g.node('Transpose', ['Q'], ['Qt'], { perm: { ints: [0, 2, 1, 3] } });
    g.node('Reshape', ['Qt', 'shape.packed'], ['Qp']);
    if (takesBias) {
      // The WebGPU provider takes only a full [B, Hq, Sq, S] bias.
      g.constantInt64('shape.bias', [B, Hq, Sq, S]);
      g.node('Expand', ['Bias', 'shape.bias'], ['Bias4']);
    }
    g.node(
      'MultiHeadAttention',
      ['Qp', 'K', 'V', ...(takesBias ? ['', '', 'Bias4'] : [])],
      ['Yp'],
      { num_heads: { i: Hq } },
      'com.microsoft',
    );
    g.node('Reshape', ['Yp', 'shape.split'], ['Ys']);
    g.node('Transpose', ['Ys'], ['Y'], { perm: { ints: [0, 2, 1, 3] } });
    return { bytes: g.encode(17), takesBias, output: 'Y' };
  }
  if (takesBias) g.input('Bias', [S, S]);
  const grouped = Hkv !== Hq;
  if (grouped) {
    g.constantInt64('shape.rows', [B, Hkv, (Hq / Hkv) * Sq, D]);
    g.constantInt64('shape.q', qDims);
    g.node('Reshape', ['Q', 'shape.rows'], ['Qr']);
  }
  g.constant('scale', [], Float32Array.of(1 / Math.sqrt(D)));
  g.node('Transpose', ['K'], ['Kt'], { perm: { ints: [0, 1, 3, 2] } });
  g.node('MatMul', [grouped ? 'Qr' : 'Q', 'Kt'], ['scores']);
  g.node('Mul', ['scores', 'scale'], ['scaled']);
  if (takesBias) g.node('Add', ['scaled', 'Bias'], ['biased']);
  g.node('Softmax', [takesBias ? 'biased' : 'scaled'], ['probs'], { axis: { i: -1 } });
  g.node('MatMul', ['probs', 'V'], [grouped ? 'Yr' : 'Y']);
  if (grouped) g.node('Reshape', ['Yr', 'shape.q'], ['Y']);
  return { bytes: g.encode(17), takesBias, output: 'Y' };
}

/**
 * `GroupQueryAttention` on one new token `Q [B, 1, Hq·D]`, `K`, `V [B, 1, Hkv·D]` with a past
 * `PastK`, `PastV [B, Hkv, P, D]`, `SeqLensK [B]` (entries held; the total minus one) and `TotalLength`;
 * output `Y [B, 1, Hq·D]`, and with `present` the outputs `PresentK`, `PresentV [B, Hkv, P, D]` too.
 */
function gqaGraph(B: number, Hq: number, Hkv: number, P: number, D: number, present: boolean): AttentionGraph {
  const g = graph('attention-gqa');
  g.input('Q', [B, 1, Hq * D]);
  g.input('K', [B, 1, Hkv * D]);
  g.input('V', [B, 1, Hkv * D]);
  g.input('PastK', [B, Hkv, P, D]);
  g.input('PastV', [B, Hkv, P, D]);
  g.input('SeqLensK', [B], 'int32');
  g.input('TotalLength', [], 'int32');
  g.output('Y', [B, 1, Hq * D]);
  if (present) {
    g.output('PresentK', [B, Hkv, P, D]);
    g.output('PresentV', [B, Hkv, P, D]);
  }
  g.node(
    'GroupQueryAttention',
    ['Q', 'K', 'V', 'PastK', 'PastV', 'SeqLensK', 'TotalLength'],
    ['Y', 'PresentK', 'PresentV'],
    { num_heads: { i: Hq }, kv_num_heads: { i: Hkv } },
    'com.microsoft',
  );
  return { bytes: g.encode(17), takesBias: false, output: 'Y' };
}

/** The graph of a decode-through-a-cache case: `GroupQueryAttention` with past and present of the cache's capacity. */
export function cacheGraph(c: AttentionCase): AttentionGraph {
  return gqaGraph(c.batch, c.heads, keyValueHeads(c), c.seq, c.headDim, true);
}
