/**
 * The FLOP counts behind every GFLOP/s figure.
 *
 * Shape legend: B batch, H query heads, Sq query length, Sk key length, Dk query/key head size,
 * Dv value head size.
 *
 * Attention: `Q·Kᵀ` costs `2·Dk` FLOPs (one multiply, one add per term) for each visible (query, key)
 * pair, and `P·V` costs `2·Dv`, so
 *
 *     useful FLOPs = 2·B·H·(Dk + Dv)·V      where V = Σ over queries of the keys that query may see
 *     dense  FLOPs = 2·B·H·(Dk + Dv)·Sq·Sk  (every pair, masked or not)
 *
 * With Dk = Dv = D and no mask both are `4·B·H·Sq·Sk·D`. Softmax, scaling and masking are not counted
 * (they are O(B·H·Sq·Sk), not O(·D)). "Useful" GFLOP/s credits only the pairs the mask lets through, so
 * an engine that computes the masked-out pairs anyway shows a lower useful rate; "dense" GFLOP/s counts
 * every pair, whatever the mask.
 *
 * Encoder (per position, per layer, with d = dModel, Dh = d / H, Hkv key/value heads, F features,
 * C classes): projections `2·d·(H + 2·Hkv)·Dh + 2·H·Dh·d`, feed-forward `4·d·ffnSize`, attention as above
 * for the layer's mask; plus the input projection `2·F·d` and the output head `2·d·C` per position.
 * Layer norms, activations, positional encodings and softmax are not counted.
 */
import { resolveSpec, type ModelSpec } from '@attnkit/core';

/** Which (query, key) pairs are visible. `window` is `{left, right}` around the query, as in attnkit. */
export interface MaskShape {
  readonly causal?: boolean;
  readonly window?: { readonly left: number; readonly right: number };
}

/**
 * Number of visible (query, key) pairs for self-attention of length `S` (top-left aligned, as in attnkit
 * without a cache): query `i` sees key `j` when `j <= i` (causal) and `i - left <= j <= i + right` (window).
 *
 * @example
 * ```ts
 * visiblePairs(4, { causal: true }); // 10 = 1 + 2 + 3 + 4
 * ```
 */
export function visiblePairs(S: number, mask: MaskShape = {}): number {
  let total = 0;
  for (let i = 0; i < S; i++) {
    let lo = 0;
    let hi = S - 1;
    if (mask.causal) hi = Math.min(hi, i);
    if (mask.window) {
      lo = Math.max(lo, i - mask.window.left);
      hi = Math.min(hi, i + mask.window.right);
    }
    if (hi >= lo) total += hi - lo + 1;
  }
  return total;
}

/** FLOPs of one attention call: useful (visible pairs only) and dense (every pair). */
export interface Flops {
  readonly useful: number;
  readonly dense: number;
}

/**
/**
 * FLOPs of attention with Dk = Dv = D: self-attention `[B, H, S, D]` under `mask`, or `Sq` queries
 * against `S` keys (a decode step), where every key is visible. Additive relevance
 * (`Σ_d w[d]·tanh(q[d] + k[d])`) costs `4·Dk` per pair instead of `2·Dk` (an add, a tanh counted as one
 * FLOP, a multiply and an add per term).
 */
export function attentionFlops(
  B: number,
  H: number,
  S: number,
  D: number,
  mask: MaskShape = {},
  Sq = S,
  relevance: 'dot' | 'additive' = 'dot',
): Flops {
  const perPair = B * H * ((relevance === 'additive' ? 4 : 2) * D + 2 * D);
  if (Sq !== S) {
    if (mask.causal || mask.window) throw new Error('masked attention FLOPs are counted for Sq = Sk only');
    return { useful: perPair * Sq * S, dense: perPair * Sq * S };
  }
  return { useful: perPair * visiblePairs(S, mask), dense: perPair * S * S };
}

/** FLOPs of one encoder run on `[B, S, inputSize]`. */
export function encoderFlops(spec: ModelSpec, B: number, S: number): Flops {
  const r = resolveSpec(spec);
  const d = r.dModel;
  const Dh = r.headDim;
  const perPosition = 2 * d * (r.heads + 2 * r.kvHeads) * Dh + 2 * r.heads * Dh * d + 4 * d * r.ffnSize;
  let useful = B * S * (2 * r.inputSize * d + 2 * d * r.output.classes);
  let dense = useful;
  for (const layer of r.attention) {
    const a = attentionFlops(B, r.heads, S, Dh, layer);
    useful += B * S * perPosition + a.useful;
    dense += B * S * perPosition + a.dense;
  }
  return { useful, dense };
}

/** GFLOP/s for `flops` done in `ms` milliseconds. */
export function gflops(flops: number, ms: number): number {
  return flops / (ms * 1e6);
}
