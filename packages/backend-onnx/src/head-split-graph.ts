/**
 * Attention over the held rows of a key/value cache, one `Attention` operator per key/value head.
 *
 * A cache's storage is `[B, Hkv, C, D]`, of which each head holds its first `V` rows. The rows a head holds
 * are contiguous, but the heads' rows together are not (the free rows of one head lie between them), and
 * an ONNX Runtime tensor cannot have strides. So the graph takes each head's held rows as an input of its
 * own, a tensor over that stretch of the storage (no copy), and runs one `Attention` node per head on it:
 * nothing is computed, or even read, beyond row `V`.
 *
 * Shape legend: B batch, Hq/Hkv heads, G = Hq / Hkv, n = B·Hkv key/value heads in all, Sq query length,
 * V rows held per head, Dk/Dv head sizes.
 *
 * Inputs:  Q [B, Hq, Sq, Dk], K0 .. K(n−1) [1, 1, V, Dk], V0 .. V(n−1) [1, 1, V, Dv] (head i = b·Hkv + h),
 *          mask [1, Mh, Sq, V] float (with `mask: 'bias'`; Mh ∈ {1, Hq}).
 * Outputs: Y [B, Hq, Sq, Dv].
 *
 * Causal masking without a bias is aligned to the last query: the keys' own length `V` is given as
 * `nonpad_kv_seqlen`, which aligns query `i` to key `V − Sq + i`.
 */
import { ATTENTION_OPSET } from './attention-graph.js';
import { DType, float, GraphBuilder, int, type Attr } from './onnx-builder.js';

/** What the head-split graph computes; equal signatures share a session. */
export interface HeadSplitSignature {
  readonly scale: number;
  /** `0` = none. */
  readonly softcap: number;
  /** `is_causal`, aligned to the last query (only without a bias: the bias holds the causal mask then). */
  readonly causal: boolean;
  readonly mask: 'none' | 'bias';
  /** `n = B·Hkv`: how many key/value heads, each an input pair and an `Attention` node. */
  readonly heads: number;
  /** With a per-head bias (`Mh = Hq`): `Hkv`, the query-head groups it is split into; else 1. */
  readonly maskGroups: number;
}

/** Cache key of a signature. */
export function headSplitKey(s: HeadSplitSignature): string {
  return `heads:${s.heads}|${s.scale}|${s.softcap}|${+s.causal}|${s.mask}|${s.maskGroups}`;
}

/** The names of the key and value inputs of head `i`. */
export const headInputs = (i: number): { readonly key: string; readonly value: string } => ({
  key: `K${i}`,
  value: `V${i}`,
});

/**
 * Builds the model bytes for a signature.
 *
 * @example
 * ```ts
 * const bytes = headSplitGraph({ scale: 0.125, softcap: 0, causal: true, mask: 'none', heads: 8, maskGroups: 1 });
 * ```
 */
export function headSplitGraph(s: HeadSplitSignature): Uint8Array {
  const g = new GraphBuilder('attnkit_head_split_attention');
  const n = s.heads;
  const q = g.input('Q', DType.float, ['B', 'Hq', 'Sq', 'Dk']);
  const keys: string[] = [];
  const values: string[] = [];
  for (let i = 0; i < n; i++) {
    keys.push(g.input(headInputs(i).key, DType.float, [1, 1, 'V', 'Dk']));
    values.push(g.input(headInputs(i).value, DType.float, [1, 1, 'V', 'Dv']));
  }
  const mask = s.mask === 'bias' ? g.input('mask', DType.float, [1, 'Mh', 'Sq', 'V']) : '';
  // [B, Hq, Sq, Dk] is [n, G, Sq, Dk] in memory: query head group i reads key/value head i.
  const split = (x: string, parts: number): string[] => {
    const grouped = g.op('Reshape', [x, g.int64s([parts, -1, 0, 0])]);
    return parts === 1 ? [grouped] : g.opN('Split', [grouped], parts, { axis: int(0), num_outputs: int(parts) });
  };
  const queries = split(q, n);
  const masks = mask === '' ? [] : s.maskGroups > 1 ? split(mask, s.maskGroups) : [mask];
  const nonpad = s.causal ? g.op('Shape', [keys[0]!], { start: int(2), end: int(3) }) : '';
  const attrs: Record<string, Attr> = { scale: float(s.scale) };
  if (s.softcap > 0) attrs.softcap = float(s.softcap);
  if (s.causal) attrs.is_causal = int(1);
  const outputs = queries.map((qi, i) => {
    const inputs = [qi, keys[i]!, values[i]!, masks.length > 0 ? masks[i % masks.length]! : '', '', '', nonpad];
    while (inputs[inputs.length - 1] === '') inputs.pop();
    return g.opN('Attention', inputs, 1, attrs)[0]!;
  });
  const joined = n === 1 ? outputs[0]! : g.op('Concat', outputs, { axis: int(0) });
  // Back to [B, Hq, Sq, Dv]: the query's first three dimensions and the values' last.
  const shape = g.op('Concat', [g.op('Shape', [q], { end: int(3) }), g.op('Shape', [values[0]!], { start: int(3) })], {
    axis: int(0),
  });
  g.op('Reshape', [joined, shape], {}, 'Y');
  g.output('Y', DType.float, ['B', 'Hq', 'Sq', 'Dv']);
  return g.encode(ATTENTION_OPSET);
}
