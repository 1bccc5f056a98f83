/**
 * Seeded inputs of a case, identical for every engine of a run, and the additive masks peers need.
 *
 * Shape legend: B batch, H heads, S sequence length, D head size, F input features.
 */
import { initWeights, seededRandom, type Tensor } from '@attnkit/core';
import {
  attentionOptions,
  type AttentionCase,
  type BenchCase,
  type CaseMaskOptions,
  type EncoderCase,
  keyValueHeads,
  queryLength,
} from './cases.js';

/** Inputs of an attention case: q `[B, H, Sq, D]`, k and v `[B, Hkv, S, D]`. */
export interface AttentionInputs {
  readonly kind: 'attention';
  readonly q: Tensor;
  readonly k: Tensor;
  readonly v: Tensor;
}

/** Inputs of an encoder case: features `[B, S, F]` and the model's weights. */
export interface EncoderInputs {
  readonly kind: 'encoder';
  readonly input: Tensor;
  readonly weights: Map<string, Tensor>;
}

/** Inputs of a case. */
export type CaseInputs = AttentionInputs | EncoderInputs;

function uniform(n: number, seed: number): Float32Array {
  const rng = seededRandom(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.uniform(-1, 1);
  return a;
}

/** Builds the inputs of a case from `seed`. */
export function makeInputs(c: BenchCase, seed: number): CaseInputs {
  if (c.kind === 'encoder') return encoderInputs(c, seed);
  return attentionInputs(c, seed);
}

function attentionInputs(c: AttentionCase, seed: number): AttentionInputs {
  const qShape = [c.batch, c.heads, queryLength(c), c.headDim];
  const kvShape = [c.batch, keyValueHeads(c), c.seq, c.headDim];
  const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
  return {
    kind: 'attention',
    q: { shape: qShape, data: uniform(size(qShape), seed) },
    k: { shape: kvShape, data: uniform(size(kvShape), seed + 1) },
    v: { shape: kvShape, data: uniform(size(kvShape), seed + 2) },
  };
}

function encoderInputs(c: EncoderCase, seed: number): EncoderInputs {
  const F = c.spec.inputSize ?? 1;
  return {
    kind: 'encoder',
    input: { shape: [c.batch, c.seq, F], data: uniform(c.batch * c.seq * F, seed) },
    weights: initWeights(c.spec, { seed }),
  };
}

/**
 * The keys a query may see under `causal` and `window`, as a band `i - left <= j <= i + right` around
 * query `i` (top-left aligned), or `undefined` when it sees every key. Also takes an encoder layer's
 * resolved `{ causal, window }`.
 *
 * @example
 * ```ts
 * maskBand({ causal: true }); // { left: Infinity, right: 0 }
 * ```
 */
export function maskBand(mask: CaseMaskOptions): { left: number; right: number } | undefined {
  const { causal, window } = mask;
  if (!causal && !window) return undefined;
  return {
    left: window?.left ?? Infinity,
    right: causal ? Math.min(0, window?.right ?? 0) : (window?.right ?? Infinity),
  };
}

/**
 * The additive mask `[S, S]` of an attention case (0 where a query may attend, `-Infinity` elsewhere),
 * or `undefined` for no mask: how a user expresses causal and window masks to a plain graph.
 */
export function maskBias(c: Pick<AttentionCase, 'seq' | 'mask' | 'window'>): Float32Array | undefined {
  const band = maskBand(attentionOptions(c));
  return band && bandBias(c.seq, band);
}

/** `[S, S]` additive mask: 0 for `i - left <= j <= i + right`, `-Infinity` elsewhere. */
export function bandBias(S: number, band: { left: number; right: number }): Float32Array {
  const bias = new Float32Array(S * S).fill(-Infinity);
  for (let i = 0; i < S; i++) {
    const lo = Math.max(0, i - band.left);
    const hi = Math.min(S - 1, i + band.right);
    if (hi >= lo) bias.fill(0, i * S + lo, i * S + hi + 1);
  }
  return bias;
}

/** `count` output values at evenly spaced positions, to compare engines' outputs cheaply. */
export function sampleOutput(output: Float32Array, count = 32): number[] {
  if (output.length === 0) return [];
  const n = Math.min(count, output.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(output[n === 1 ? 0 : Math.floor((i * (output.length - 1)) / (n - 1))]!);
  return out;
}
