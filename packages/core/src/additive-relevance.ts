/**
 * Additive relevance (Bahdanau-style attention scores), an alternative to the scaled dot product.
 *
 * For query head `h`, query `i` and key `j` (key/value head `floor(h / group)`):
 * `α_ij = Σ_d w[h, d] · tanh(q[i, d] + k[j, d])`, with `w` given per query head, `[Hq, Dk]`. q and k are
 * the projected queries and keys the call receives. There is no scale; softcap, every mask, causal,
 * window, graph, key lengths and ALiBi apply to these scores exactly as to dot-product scores.
 * Cost: O(Sq·T·Dk), with a `tanh` per element (the dot product needs no transcendental).
 *
 * Shape legend: Hq query heads, Dk query/key head size.
 */
import { AttnkitError, OptionError, ShapeError, fmtShape } from './errors.js';
import { SCORE_LIMIT } from './input-scan.js';
import type { Tensor } from './tensor.js';

/**
 * How relevance is computed: `'dot'` (the default, `scale · q·k`) or additive with per-head weights
 * `[Hq, Dk]`.
 *
 * @example
 * ```ts
 * const relevance: Relevance = { kind: 'additive', weights: tensor(new Float32Array(Hq * Dk).fill(0.1), [Hq, Dk]) };
 * const { output } = await backend.attention(q, k, v, { relevance, causal: true });
 * ```
 */
export type Relevance = 'dot' | AdditiveRelevance;

/** Additive relevance `α_ij = w_hᵀ · tanh(q_i + k_j)`. */
export interface AdditiveRelevance {
  /** Tells it from `'dot'`. */
  readonly kind: 'additive';
  /** `[Hq, Dk]`: one weight vector per query head. */
  readonly weights: Tensor;
}

/**
 * Resolves `options.relevance` for a call with `Hq` query heads of size `Dk`: `undefined` for the dot
 * product, else a copy of the weights `[Hq·Dk]`. Throws a typed error naming the option.
 */
export function resolveRelevance(
  relevance: unknown,
  scaleGiven: boolean,
  Hq: number,
  Dk: number,
): Float32Array | undefined {
  if (relevance === undefined || relevance === 'dot') return undefined;
  const name = 'options.relevance';
  if (typeof relevance !== 'object' || relevance === null || (relevance as { kind?: unknown }).kind !== 'additive') {
    throw new OptionError(
      'ERR_OPTION',
      `${name}: expected 'dot' or { kind: 'additive', weights }, got ${typeof relevance === 'object' ? JSON.stringify((relevance as { kind?: unknown }).kind ?? null) : JSON.stringify(relevance)}`,
      name,
    );
  }
  if (scaleGiven) {
    throw new OptionError(
      'ERR_OPTION',
      'options.scale: additive relevance has no scale; omit it (or use softcap to bound the scores)',
      'options.scale',
    );
  }
  const w = (relevance as { weights?: unknown }).weights as { shape?: unknown; data?: unknown } | undefined;
  if (w === null || typeof w !== 'object' || !(w.data instanceof Float32Array) || !Array.isArray(w.shape)) {
    throw new AttnkitError(
      'ERR_TYPE',
      `${name}.weights: expected a tensor { shape: [${Hq}, ${Dk}], data: Float32Array }`,
      `${name}.weights`,
    );
  }
  const shape = w.shape as number[];
  if (shape.length !== 2 || shape[0] !== Hq || shape[1] !== Dk || w.data.length !== Hq * Dk) {
    throw new ShapeError(
      'ERR_SHAPE',
      `${name}.weights: shape ${fmtShape(shape)} with ${w.data.length} elements, expected ${fmtShape([Hq, Dk])} (query heads, Dk)`,
      `${name}.weights`,
    );
  }
  const out = Float32Array.from(w.data);
  for (let h = 0; h < Hq; h++) {
    let l1 = 0;
    for (let d = 0; d < Dk; d++) {
      const x = out[h * Dk + d]!;
      if (x - x !== 0) {
        throw new AttnkitError(
          'ERR_NON_FINITE',
          `${name}.weights: element ${h * Dk + d} is ${x}; expected finite numbers`,
          `${name}.weights`,
        );
      }
      l1 += Math.abs(x);
    }
    // |α| <= Σ|w_h| since |tanh| <= 1: the bound that keeps scores representable.
    if (l1 > SCORE_LIMIT) {
      throw new AttnkitError(
        'ERR_RANGE',
        `${name}.weights: head ${h} has Σ|w| = ${l1.toExponential(3)}, beyond float32's safe range for scores (2^100)`,
        `${name}.weights`,
      );
    }
  }
  return out;
}

/**
 * One additive score `Σ_d w[h, d] · tanh(q[qOff + d] + k[kOff + d])`, accumulated in float64.
 *
 * @example
 * ```ts
 * const s = additiveScore(p.additive!, h, p.keyDim, p.q, qOff, p.k, kOff);
 * ```
 */
export function additiveScore(
  w: ArrayLike<number>,
  h: number,
  Dk: number,
  q: ArrayLike<number>,
  qOff: number,
  k: ArrayLike<number>,
  kOff: number,
): number {
  let s = 0;
  const wOff = h * Dk;
  for (let d = 0; d < Dk; d++) s += w[wOff + d]! * Math.tanh(q[qOff + d]! + k[kOff + d]!);
  return s;
}
