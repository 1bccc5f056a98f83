/**
 * The ONNX graph of one attention call: the standard `Attention` operator (opset 24) with the options it
 * covers as attributes and optional inputs. Every dimension is symbolic, so one session serves every
 * batch size, sequence length, head count and head size with the same options.
 *
 * Shape legend: B batch, Hq/Hkv query/key-value heads, Sq query length, T total key length (past and
 * this call's keys), Dk/Dv head sizes; Mb ∈ {1, B}, Mh ∈ {1, Hq} the mask's batch and head extents.
 *
 * Inputs:  Q [B, Hq, Sq, Dk], K [B, Hkv, Sk, Dk], V [B, Hkv, Sk, Dv],
 *          mask [Mb, Mh, Sq, T] (bool or float, optional), nonpad_kv_seqlen [B] int64 (optional).
 * The past, if any, is already in front of K and V.
 * Outputs: Y [B, Hq, Sq, Dv]; QK [B, Hq, Sq, T] when weights are requested (`qk_matmul_output_mode`);
 *          q_squares, k_squares, v_squares [] (unless `sums: false`) the float32 sums of squares of Q, K and V. Each is finite
 *          only if every element is, and bounds the magnitudes: that is how core checks the inputs for
 *          NaN, ±Infinity and its range rule (`sumsInputSquares`). ONNX Runtime sums them on its threads,
 *          with vector instructions, faster than a JavaScript scan.
 */
import { additiveOperand, explicitAttention } from './explicit-attention.js';
import { DType, float, GraphBuilder, int, type Attr } from './onnx-builder.js';

/** What the attention graph computes; equal signatures share a session. */
export interface AttentionSignature {
  readonly scale: number;
  /** `0` = none. */
  readonly softcap: number;
  /** `is_causal`: top-left aligned, or aligned to `nonpad_kv_seqlen[b] - Sq` when that is given. */
  readonly causal: boolean;
  readonly mask: 'none' | 'bool' | 'bias';
  /** Valid key lengths per batch as `nonpad_kv_seqlen`. */
  readonly nonpad: boolean;
  /** Which scores to return as QK, if any. */
  readonly weights: 'none' | 'scores' | 'softcapped' | 'masked' | 'probs';
  /**
   * float16 storage: `in`, Q, K and V are float16 inputs, cast to float32 for the operator; `in-out`, Y is
   * cast back to float16 too. The operator computes in float32 either way (QK stays float32).
   */
  readonly half: 'none' | 'in' | 'in-out';
  /**
   * Whether the graph sums the squares of its inputs (default true). Calls on resident tensors leave them
   * out: core bounds those by the handles' own bounds, and the sums would read every row of a cache's
   * storage, held or not.
   */
  readonly sums?: boolean;
  /**
   * Additive relevance (an explicit graph of standard ops, with input `W` `[Hq, Dk]`), with the head
   * counts and sizes its reshapes need.
   */
  readonly additive?: {
    readonly kvHeads: number;
    readonly group: number;
    readonly keyDim: number;
    readonly valueDim: number;
  };
}

/** The opset of the attention graphs (`nonpad_kv_seqlen` is new in 24). */
export const ATTENTION_OPSET = 24;

const QK_MODE = { scores: 0, softcapped: 1, masked: 2, probs: 3 } as const;

/** Cache key of a signature. */
export function signatureKey(s: AttentionSignature): string {
  const a = s.additive;
  const additive = a ? `|additive:${a.kvHeads},${a.group},${a.keyDim},${a.valueDim}` : '';
  const sums = s.sums === false ? '|no-sums' : '';
  return `${s.scale}|${s.softcap}|${+s.causal}|${s.mask}|${+s.nonpad}|${s.weights}|${s.half}${additive}${sums}`;
}

/**
 * Builds the model bytes for a signature.
 *
 * @example
 * ```ts
 * const bytes = attentionGraph({ scale: 0.125, softcap: 0, causal: true, mask: 'none', nonpad: false, weights: 'none', half: 'none' });
 * ```
 */
export function attentionGraph(s: AttentionSignature): Uint8Array {
  if (s.additive) return additiveGraph(s, s.additive);
  const g = new GraphBuilder('attnkit_attention');
  const inType = s.half === 'none' ? DType.float : DType.float16;
  const widen = (x: string): string => (s.half === 'none' ? x : g.op('Cast', [x], { to: int(DType.float) }));
  const q = widen(g.input('Q', inType, ['B', 'Hq', 'Sq', 'Dk']));
  const k = widen(g.input('K', inType, ['B', 'Hkv', 'T', 'Dk']));
  const v = widen(g.input('V', inType, ['B', 'Hkv', 'T', 'Dv']));
  const mask =
    s.mask === 'none' ? '' : g.input('mask', s.mask === 'bool' ? DType.bool : DType.float, ['Mb', 'Mh', 'Sq', 'T']);
  const nonpad = s.nonpad ? g.input('nonpad_kv_seqlen', DType.int64, ['B']) : '';
  const inputs = [q, k, v, mask, '', '', nonpad];
  while (inputs[inputs.length - 1] === '') inputs.pop();
  const attrs: Record<string, Attr> = { scale: float(s.scale) };
  if (s.softcap > 0) attrs.softcap = float(s.softcap);
  if (s.causal) attrs.is_causal = int(1);
  const outputs = [s.half === 'in-out' ? 'Y32' : 'Y'];
  if (s.weights !== 'none') {
    attrs.qk_matmul_output_mode = int(QK_MODE[s.weights]);
    outputs.push('', '', 'QK');
  }
  g.opN('Attention', inputs, outputs.length, attrs, outputs);
  return finish(g, s, q, k, v);
}

/** Declares Y (cast back to float16 for `in-out`) and QK, and adds the sums of squares of the inputs. */
function finish(g: GraphBuilder, s: AttentionSignature, q: string, k: string, v: string): Uint8Array {
  if (s.half === 'in-out') g.op('Cast', ['Y32'], { to: int(DType.float16) }, 'Y');
  g.output('Y', s.half === 'in-out' ? DType.float16 : DType.float, ['B', 'Hq', 'Sq', 'Dv']);
  if (s.weights !== 'none') g.output('QK', DType.float, ['B', 'Hq', 'Sq', 'T']);
  if (s.sums === false) return g.encode(ATTENTION_OPSET);
  for (const [x, name] of [
    [q, 'q_squares'],
    [k, 'k_squares'],
    [v, 'v_squares'],
  ] as const) {
    g.op('ReduceSumSquare', [x], { keepdims: int(0) }, name);
    g.output(name, DType.float, []);
  }
  return g.encode(ATTENTION_OPSET);
}

/**
 * Additive relevance as an explicit graph (see `explicit-attention.ts`): inputs Q, K, V, `W` `[Hq, Dk]`
 * and an optional float bias `mask`; the same outputs as the operator's graph.
 */
function additiveGraph(s: AttentionSignature, a: NonNullable<AttentionSignature['additive']>): Uint8Array {
  const g = new GraphBuilder('attnkit_additive_attention');
  const inType = s.half === 'none' ? DType.float : DType.float16;
  const widen = (x: string): string => (s.half === 'none' ? x : g.op('Cast', [x], { to: int(DType.float) }));
  const q = widen(g.input('Q', inType, ['B', 'Hq', 'Sq', 'Dk']));
  const k = widen(g.input('K', inType, ['B', 'Hkv', 'T', 'Dk']));
  const v = widen(g.input('V', inType, ['B', 'Hkv', 'T', 'Dv']));
  const w = g.input('W', DType.float, [a.kvHeads * a.group, a.keyDim]);
  const bias = s.mask === 'bias' ? g.input('mask', DType.float, ['Mb', 'Mh', 'Sq', 'T']) : undefined;
  const take = (x: string, from: number, to: number): string =>
    g.op('Slice', [g.op('Shape', [x]), g.int64s([from]), g.int64s([to]), g.int64s([0])]);
  const stages = explicitAttention(
    g,
    {
      q: g.op('Reshape', [q, g.int64s([0, a.kvHeads, a.group, -1, a.keyDim])]),
      k,
      v,
      scoresShape: g.op('Concat', [take(q, 0, 3), take(k, 2, 3)], { axis: int(0) }),
      outShape: g.op('Concat', [take(q, 0, 3), take(v, 3, 4)], { axis: int(0) }),
    },
    {
      additive: additiveOperand(g, w, a.kvHeads, a.group, a.keyDim),
      scale: 1,
      softcap: s.softcap,
      ...(bias ? { bias } : {}),
    },
  );
  g.op('Identity', [stages.y], {}, s.half === 'in-out' ? 'Y32' : 'Y');
  if (s.weights !== 'none') {
    const map = { scores: stages.scores, softcapped: stages.capped, masked: stages.masked, probs: stages.probs };
    g.op('Identity', [map[s.weights]], {}, 'QK');
  }
  return finish(g, s, q, k, v);
}

/** A graph that casts a float16 input `X [N]` to float16 `Y`: whether the binding takes float16 tensors. */
export function float16CheckGraph(): Uint8Array {
  const g = new GraphBuilder('attnkit_float16_check');
  const x = g.input('X', DType.float16, ['N']);
  g.op('Identity', [x], {}, 'Y');
  g.output('Y', DType.float16, ['N']);
  return g.encode(ATTENTION_OPSET);
}

/** The smallest attention graph, opened by the plugin's probe to check that the native binding works. */
export function probeGraph(): Uint8Array {
  return attentionGraph({
    scale: 1,
    softcap: 0,
    causal: false,
    mask: 'none',
    nonpad: false,
    weights: 'none',
    half: 'none',
  });
}
