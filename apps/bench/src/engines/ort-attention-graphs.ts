/**
 * Attention as plain ONNX graphs, as a user writes it for onnxruntime without attnkit.
 *
 * Shape legend: B batch, H heads, S sequence length, D head size.
 *
 * - `matmul`: `Softmax(Q·Kᵀ · scale + Bias)·V` from standard operators (Transpose, MatMul, Mul, Add,
 *   Softmax), opset 17; masks are an additive `Bias [S, S]` input (0 or -Infinity).
 * - `attention-op`: the standard `Attention` operator (opset 23) on `[B, H, S, D]`; causal through its
 *   `is_causal` attribute, windows as an additive `attn_mask [S, S]` input.
 */
import { attentionOptions, type AttentionCase } from '../cases.js';
import { maskBand } from '../inputs.js';
import { graph } from './onnx-graph.js';

/** Which graph form. */
export type OrtAttentionForm = 'matmul' | 'attention-op';

/** An encoded graph and what it expects. */
export interface AttentionGraph {
  readonly bytes: Uint8Array;
  /** Whether the graph takes the additive mask as input `Bias`. */
  readonly takesBias: boolean;
}

/** Builds the graph of one case. */
export function attentionGraph(c: AttentionCase, form: OrtAttentionForm): AttentionGraph {
  const dims = [c.batch, c.heads, c.seq, c.headDim];
  const g = graph(`attention-${form}`);
  g.input('Q', dims);
  g.input('K', dims);
  g.input('V', dims);
  g.output('Y', dims);
  const options = attentionOptions(c);
  if (form === 'attention-op') {
    const takesBias = options.window !== undefined;
    if (takesBias) g.input('Bias', [c.seq, c.seq]);
    g.node(
      'Attention',
      ['Q', 'K', 'V', ...(takesBias ? ['Bias'] : [])],
      ['Y'],
      options.causal ? { is_causal: { i: 1 } } : {},
    );
    return { bytes: g.encode(23), takesBias };
  }
  const takesBias = maskBand(options) !== undefined;
  if (takesBias) g.input('Bias', [c.seq, c.seq]);
  g.constant('scale', [], Float32Array.of(1 / Math.sqrt(c.headDim)));
  g.node('Transpose', ['K'], ['Kt'], { perm: { ints: [0, 1, 3, 2] } });
  g.node('MatMul', ['Q', 'Kt'], ['scores']);
  g.node('Mul', ['scores', 'scale'], ['scaled']);
  if (takesBias) g.node('Add', ['scaled', 'Bias'], ['biased']);
  g.node('Softmax', [takesBias ? 'biased' : 'scaled'], ['probs'], { axis: { i: -1 } });
  g.node('MatMul', ['probs', 'V'], ['Y']);
  return { bytes: g.encode(17), takesBias };
}
