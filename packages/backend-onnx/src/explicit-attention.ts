/**
 * Attention spelled out in standard ONNX ops (MatMul, Add, Tanh, Softmax's parts), for what the
 * `Attention` operator cannot express: additive relevance, and rows that may see no key at all (graph
 * attention in the encoder) — this softmax gives such rows zeros.
 *
 * Shape legend: B batch, Hkv key/value heads, G = Hq / Hkv query heads per key/value head, Sq queries,
 * T keys, Dk/Dv head sizes.
 *
 * Scores `[B, Hq, Sq, T]`: dot product `scale · q·k`, or additive `Σ_d w[h, d]·tanh(q[d] + k[d])`
 * (`[B, Hkv, G, Sq, T, Dk]` is materialised: O(Sq·T·Dk) memory and work, a tanh per element); then the
 * softcap, the bias (`-Infinity` hides a key), a softmax that outputs zeros for rows with no visible key,
 * and the weighted sum of the values.
 */
import { int, ints, type GraphBuilder } from './onnx-builder.js';

/** Lowest float32: a row maximum of `-Infinity` is raised to it so that `x - max` stays `-Infinity`. */
const LOWEST = -3.4028234663852886e38;

/** The operands, already grouped by key/value head. */
export interface ExplicitOperands {
  /** Queries `[B, Hkv, G, Sq, Dk]`. */
  readonly q: string;
  /** Keys `[B, Hkv, T, Dk]`. */
  readonly k: string;
  /** Values `[B, Hkv, T, Dv]`. */
  readonly v: string;
  /** int64 `[4]`: `[B, Hq, Sq, T]`. */
  readonly scoresShape: string;
  /** int64 `[4]`: `[B, Hq, Sq, Dv]`. */
  readonly outShape: string;
}

/** How the scores are formed and masked. */
export interface ExplicitSettings {
  /** Additive weights `[1, Hkv, G, 1, Dk, 1]`; absent: the dot product with `scale`. */
  readonly additive?: string;
  readonly scale: number;
  /** `0` = none. */
  readonly softcap: number;
  /** Float bias broadcastable to `[B, Hq, Sq, T]`, `-Infinity` where hidden. */
  readonly bias?: string;
}

/** Each stage of the explicit attention, `[B, Hq, Sq, T]`, and its output `[B, Hq, Sq, Dv]`. */
export interface ExplicitStages {
  readonly scores: string;
  readonly capped: string;
  readonly masked: string;
  readonly probs: string;
  readonly y: string;
}

/** Adds the explicit attention to `g`. */
export function explicitAttention(g: GraphBuilder, x: ExplicitOperands, s: ExplicitSettings): ExplicitStages {
  let scores: string;
  if (s.additive) {
    const sum = g.op('Add', [g.op('Unsqueeze', [x.q, g.int64s([4])]), g.op('Unsqueeze', [x.k, g.int64s([2, 3])])]);
    scores = g.op('Reshape', [g.op('MatMul', [g.op('Tanh', [sum]), s.additive]), x.scoresShape]);
  } else {
    const kT = g.op('Transpose', [g.op('Unsqueeze', [x.k, g.int64s([2])])], { perm: ints([0, 1, 2, 4, 3]) });
    scores = g.op('Mul', [g.op('Reshape', [g.op('MatMul', [x.q, kT]), x.scoresShape]), g.floats(s.scale)]);
  }
  const c = s.softcap;
  const capped = c > 0 ? g.op('Mul', [g.op('Tanh', [g.op('Div', [scores, g.floats(c)])]), g.floats(c)]) : scores;
  const masked = s.bias ? g.op('Add', [capped, s.bias]) : capped;
  const max = g.op('Max', [g.op('ReduceMax', [masked, g.int64s([-1])], { keepdims: int(1) }), g.floats(LOWEST)]);
  const e = g.op('Exp', [g.op('Sub', [masked, max])]);
  // A row with a visible key sums to >= 1 (its maximum gives exp(0)); a row with none sums to 0.
  const total = g.op('Max', [g.op('ReduceSum', [e, g.int64s([-1])], { keepdims: int(1) }), g.floats(1)]);
  const probs = g.op('Div', [e, total]);
  const grouped = g.op('Reshape', [probs, groupedShape(g, x)]);
  const y = g.op('Reshape', [g.op('MatMul', [grouped, g.op('Unsqueeze', [x.v, g.int64s([2])])]), x.outShape]);
  return { scores, capped, masked, probs, y };
}

/** `[B, Hkv, G, Sq, T]` from the queries' and keys' shapes. */
function groupedShape(g: GraphBuilder, x: ExplicitOperands): string {
  const qs = g.op('Shape', [x.q]);
  const ks = g.op('Shape', [x.k]);
  const take = (v: string, a: number, b: number): string =>
    g.op('Slice', [v, g.int64s([a]), g.int64s([b]), g.int64s([0])]);
  return g.op('Concat', [take(qs, 0, 4), take(ks, 2, 3)], { axis: int(0) });
}

/** Additive weights `[Hq, Dk]` (a graph value) as the `[1, Hkv, G, 1, Dk, 1]` operand. */
export function additiveOperand(g: GraphBuilder, w: string, Hkv: number, G: number, Dk: number): string {
  return g.op('Reshape', [w, g.int64s([1, Hkv, G, 1, Dk, 1])]);
}
