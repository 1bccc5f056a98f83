/**
 * The masking semantics of attention, stated once. The float64 reference and every backend use these
 * definitions (backends may specialise them, never change them).
 *
 * For query `i` of batch `b`, key `j` (0 ≤ j < T) is visible when all of these hold:
 * - `j < keyLengths[b]` (when given);
 * - causal: `j <= i + offset(b)`;
 * - window: `i + offset(b) - left <= j <= i + offset(b) + right`;
 * - graph: `(i, j)` is an edge;
 * - mask: `j < keyExtent` and the bool mask is true (a bias of `-Infinity` also hides it).
 *
 * `offset(b)` is `keyLengths[b] - Sq` with `keyLengths` (not `keyPadding`), else the past length `P`, else 0
 * (top-left aligned).
 * A visible key's score is `softcap(r) + bias + alibi` with relevance `r = scale · q·k`, or with additive
 * relevance `r = Σ_d w[h, d]·tanh(q[d] + k[d])` (see `additive-relevance.ts`); a row with no visible key outputs
 * zeros.
 */
import type { AttentionSetup } from './attention-setup.js';

/** Causal/window alignment offset of batch `b`. */
export function causalOffset(p: AttentionSetup, b: number): number {
  return p.queryOffset[b]!;
}

/**
 * The half-open range `[lo, hi)` of keys that query `i` of batch `b` may see according to the key lengths,
 * causality, window, graph and mask extent. Keys outside it are masked; keys inside may still be masked by
 * the mask or graph. `hi <= lo` means the row sees nothing.
 */
export function keyBand(p: AttentionSetup, b: number, i: number): [number, number] {
  let lo = 0;
  let hi = p.keyLength;
  if (p.validKeys) hi = Math.min(hi, p.validKeys[b]!);
  if (p.mask) hi = Math.min(hi, p.mask.keyExtent);
  const pos = i + causalOffset(p, b);
  if (p.causal) hi = Math.min(hi, pos + 1);
  if (p.window) {
    if (p.window.left !== Infinity) lo = Math.max(lo, pos - p.window.left);
    if (p.window.right !== Infinity) hi = Math.min(hi, pos + p.window.right + 1);
  }
  if (p.graph) {
    const { offsets, keys } = p.graph;
    const a = offsets[i]!,
      z = offsets[i + 1]!;
    if (a === z) return [0, 0];
    lo = Math.max(lo, keys[a]!);
    hi = Math.min(hi, keys[z - 1]! + 1);
  }
  return [lo, Math.max(lo, hi)];
}

/**
 * Additive term for score `(b, h, i, j)` from the mask, graph and ALiBi, for a key already inside
 * {@link keyBand}: `-Infinity` when masked, else the bias (0 without one).
 */
export function maskTerm(p: AttentionSetup, b: number, h: number, i: number, j: number): number {
  let t = 0;
  if (p.graph && !graphHas(p, i, j)) return -Infinity;
  const m = p.mask;
  if (m) {
    const idx = b * m.strides[0] + h * m.strides[1] + i * m.strides[2] + j * m.strides[3];
    if (m.kind === 'bool') {
      if (m.data[idx] === 0) return -Infinity;
    } else {
      t += m.data[idx]!;
    }
  }
  if (p.alibi) t -= p.alibi[h]! * Math.abs(i + causalOffset(p, b) - j);
  return t;
}

/** Whether the graph has the edge `(i, j)` (binary search in the sorted row). */
export function graphHas(p: AttentionSetup, i: number, j: number): boolean {
  const g = p.graph;
  if (!g) return true;
  let lo = g.offsets[i]!,
    hi = g.offsets[i + 1]!;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const x = g.keys[mid]!;
    if (x === j) return true;
    if (x < j) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** True when per-element mask terms are needed (mask, graph or ALiBi); false when the band alone decides. */
export function hasElementTerms(p: AttentionSetup): boolean {
  return p.mask !== undefined || p.graph !== undefined || p.alibi !== undefined;
}

/**
 * Bands of `rows` consecutive queries from `i0` (batch `b`): fills `lo`/`hi` with each row's
 * {@link keyBand} and returns the smallest range `[lo, hi)` covering every non-empty band (`hi <= lo`
 * when no row sees anything). Tiled kernels use it to visit only the key tiles some row can see.
 */
export function blockBands(
  p: AttentionSetup,
  b: number,
  i0: number,
  rows: number,
  lo: Int32Array,
  hi: Int32Array,
): [number, number] {
  let rangeLo = p.keyLength,
    rangeHi = 0;
  for (let r = 0; r < rows; r++) {
    const [l, u] = keyBand(p, b, i0 + r);
    lo[r] = l;
    hi[r] = u;
    if (u > l) {
      if (l < rangeLo) rangeLo = l;
      if (u > rangeHi) rangeHi = u;
    }
  }
  return [rangeLo, rangeHi];
}
