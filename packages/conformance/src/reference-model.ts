/**
 * The float64 reference forward pass of the transformer encoder: the executable form of the semantics
 * documented in `@attnkit/core`'s model spec. Written for clarity.
 *
 * Shape legend: B batch, S length, F input size, d dModel, H heads, Hkv key/value heads, Dh head size,
 * C classes.
 */
import { alibiSlopes, layerAttentionDims, type ResolvedMask, type ResolvedSpec, type RunGraph } from '@attnkit/core';
import { referenceAttention, type ReferenceProblem } from './reference-attention.js';

/** Reference model output in float64. */
export interface ReferenceModelOutput {
  /** `[B, S, C]` or `[B, C]` */
  readonly logits: Float64Array;
  /** `[B, H, S, S]` attention probabilities of each requested layer. */
  readonly attention: Float64Array[];
}

type W = ReadonlyMap<string, ArrayLike<number>>;

/** `y[r, o] = Σ_i x[r, i]·W[o, i] + b[o]` for `rows` rows. */
export function linear(
  x: ArrayLike<number>,
  rows: number,
  inSize: number,
  w: ArrayLike<number>,
  b: ArrayLike<number>,
  outSize: number,
): Float64Array {
  const y = new Float64Array(rows * outSize);
  for (let r = 0; r < rows; r++)
    for (let o = 0; o < outSize; o++) {
      let s = b[o]!;
      for (let i = 0; i < inSize; i++) s += x[r * inSize + i]! * w[o * inSize + i]!;
      y[r * outSize + o] = s;
    }
  return y;
}

/** Layer norm over the last axis (biased variance). */
export function layerNorm(
  x: ArrayLike<number>,
  rows: number,
  d: number,
  g: ArrayLike<number>,
  b: ArrayLike<number>,
  eps: number,
): Float64Array {
  const y = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i]!;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i]! - mean) ** 2;
    v /= d;
    const inv = 1 / Math.sqrt(v + eps);
    for (let i = 0; i < d; i++) y[r * d + i] = (x[r * d + i]! - mean) * inv * g[i]! + b[i]!;
  }
  return y;
}

/** GELU, tanh form. */
export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** Sinusoidal positional encoding value at position `s`, channel `c` of `d`. */
export function sinusoid(s: number, c: number, d: number): number {
  const i = Math.floor(c / 2);
  const angle = s / Math.pow(10000, (2 * i) / d);
  return c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
}

/** Applies RoPE in place to `x` `[B, H, S, Dh]` (rotating the two halves of each head). */
export function rope(x: Float64Array, B: number, H: number, S: number, Dh: number, base: number): void {
  const half = Dh / 2;
  for (let bh = 0; bh < B * H; bh++)
    for (let s = 0; s < S; s++) {
      const o = (bh * S + s) * Dh;
      for (let i = 0; i < half; i++) {
        const theta = s * Math.pow(base, (-2 * i) / Dh);
        const c = Math.cos(theta),
          sn = Math.sin(theta);
        const a = x[o + i]!,
          z = x[o + i + half]!;
        x[o + i] = a * c - z * sn;
        x[o + i + half] = a * sn + z * c;
      }
    }
}

/** `[B, S, H·Dh]` → `[B, H, S, Dh]` */
function split(x: Float64Array, B: number, S: number, H: number, Dh: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let b = 0; b < B; b++)
    for (let s = 0; s < S; s++)
      for (let h = 0; h < H; h++)
        for (let d = 0; d < Dh; d++) y[((b * H + h) * S + s) * Dh + d] = x[((b * S + s) * H + h) * Dh + d]!;
  return y;
}

/** `[B, H, S, Dh]` → `[B, S, H·Dh]` */
function merge(x: Float64Array, B: number, H: number, S: number, Dh: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++)
        for (let d = 0; d < Dh; d++) y[((b * S + s) * H + h) * Dh + d] = x[((b * H + h) * S + s) * Dh + d]!;
  return y;
}

/**
 * Runs the encoder in float64.
 * @param input `[B, S, F]`, or the ids `[B, S]` with token input
 * @param lengths valid length per sequence
 * @param graph the run's graph (every layer attends along its edges only)
 */
export function referenceModel(
  spec: ResolvedSpec,
  weights: W,
  input: ArrayLike<number>,
  B: number,
  S: number,
  lengths: ArrayLike<number>,
  attentionOf: readonly number[] = [],
  graph?: RunGraph,
): ReferenceModelOutput {
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh, ffnSize: Fh } = spec;
  const w = (name: string): ArrayLike<number> => {
    const t = weights.get(name);
    if (!t) throw new Error(`reference: weight ${name} missing`);
    return t;
  };
  const rows = B * S;
  let h: Float64Array;
  if (spec.input.kind === 'tokens') {
    const table = w('embedding.table');
    h = new Float64Array(rows * d);
    for (let r = 0; r < rows; r++) {
      // Padded positions may hold anything: they read row 0 (their results are masked or zeroed).
      const id = r % S < lengths[Math.floor(r / S)]! ? input[r]! : 0;
      for (let c = 0; c < d; c++) h[r * d + c] = table[id * d + c]!;
    }
  } else {
    h = linear(input, rows, spec.inputSize, w('input.weight'), w('input.bias'), d);
  }
  if (spec.positional.kind === 'sinusoidal') {
    for (let b = 0; b < B; b++)
      for (let s = 0; s < S; s++) for (let c = 0; c < d; c++) h[(b * S + s) * d + c]! += sinusoid(s, c, d);
  } else if (spec.positional.kind === 'learned') {
    const table = w('positional.table');
    for (let b = 0; b < B; b++)
      for (let s = 0; s < S; s++) for (let c = 0; c < d; c++) h[(b * S + s) * d + c]! += table[s * d + c]!;
  }
  const keyLengths = Int32Array.from(lengths);
  const padded = keyLengths.some((n) => n < S);
  const attention: Float64Array[] = [];
  // A graph per sequence is a bool mask [B, 1, S, S]; a shared graph is the problem's edge list.
  let graphMask: ResolvedMask | undefined;
  if (graph && !graph.shared) {
    const data = new Uint8Array(B * S * S);
    for (let b = 0; b < B; b++) {
      const e = graph.edges[b]!;
      for (let n = 0; n < e.length; n += 2) data[(b * S + e[n]!) * S + e[n + 1]!] = 1;
    }
    graphMask = { kind: 'bool', data, shape: [B, 1, S, S], strides: [S * S, 0, S, 1], keyExtent: S };
  }
  const sharedGraph =
    graph?.shared === true
      ? { edges: graph.edges[0]!, offsets: new Int32Array(0), keys: new Int32Array(0) }
      : undefined;
  const mha = (x: Float64Array, l: number): Float64Array => {
    const p = `layers.${l}.attention.`;
    const q = split(linear(x, rows, d, w(`${p}query.weight`), w(`${p}query.bias`), H * Dh), B, S, H, Dh);
    const k = split(linear(x, rows, d, w(`${p}key.weight`), w(`${p}key.bias`), Hkv * Dh), B, S, Hkv, Dh);
    const v = split(linear(x, rows, d, w(`${p}value.weight`), w(`${p}value.bias`), Hkv * Dh), B, S, Hkv, Dh);
    if (spec.positional.kind === 'rope') {
      rope(q, B, H, S, Dh, spec.positional.base ?? 10000);
      rope(k, B, Hkv, S, Dh, spec.positional.base ?? 10000);
    }
    const layer = spec.attention[l]!;
    const want = attentionOf.includes(l);
    const problem: ReferenceProblem = {
      ...layerAttentionDims(spec, B, S, want ? 'probs' : 'none'),
      group: H / Hkv,
      q,
      k,
      v,
      scale: layer.relevance === 'additive' ? 1 : 1 / Math.sqrt(Dh),
      additive: layer.relevance === 'additive' ? Float32Array.from(w(`${p}additive.weight`)) : undefined,
      softcap: 0,
      causal: layer.causal,
      window: layer.window,
      mask: graphMask,
      // Padding masks keys but leaves the alignment top-left (the spec's keyPadding).
      validKeys: padded ? keyLengths : undefined,
      queryOffset: new Int32Array(B),
      graph: sharedGraph,
      alibi: spec.positional.kind === 'alibi' ? alibiSlopes(H) : undefined,
      returnPresent: false,
      packed: false,
      dtype: 'float32',
      outputDtype: 'float32',
    };
    const r = referenceAttention(problem);
    if (want) attention[attentionOf.indexOf(l)] = r.weights!;
    return linear(merge(r.output, B, H, S, Dh), rows, H * Dh, w(`${p}output.weight`), w(`${p}output.bias`), d);
  };
  const ffn = (x: Float64Array, l: number): Float64Array => {
    const p = `layers.${l}.ffn.`;
    const a = linear(x, rows, d, w(`${p}hidden.weight`), w(`${p}hidden.bias`), Fh);
    for (let i = 0; i < a.length; i++) a[i] = spec.activation === 'relu' ? Math.max(0, a[i]!) : gelu(a[i]!);
    return linear(a, rows, Fh, w(`${p}output.weight`), w(`${p}output.bias`), d);
  };
  const add = (a: Float64Array, b: Float64Array): Float64Array => a.map((x, i) => x + b[i]!);
  const ln = (x: Float64Array, name: string): Float64Array =>
    layerNorm(x, rows, d, w(`${name}.weight`), w(`${name}.bias`), spec.normEpsilon);
  for (let l = 0; l < spec.layers; l++) {
    if (spec.norm === 'pre') {
      h = add(h, mha(ln(h, `layers.${l}.norm1`), l));
      h = add(h, ffn(ln(h, `layers.${l}.norm2`), l));
    } else {
      h = ln(add(h, mha(h, l)), `layers.${l}.norm1`);
      h = ln(add(h, ffn(h, l)), `layers.${l}.norm2`);
    }
  }
  if (spec.norm === 'pre') h = ln(h, 'final_norm');
  const C = spec.output.classes;
  if (spec.output.kind === 'pooled') {
    const pooled = new Float64Array(B * d);
    for (let b = 0; b < B; b++) {
      const n = keyLengths[b]!;
      for (let s = 0; s < n; s++) for (let c = 0; c < d; c++) pooled[b * d + c]! += h[(b * S + s) * d + c]! / n;
    }
    return { logits: linear(pooled, B, d, w('head.weight'), w('head.bias'), C), attention };
  }
  const logits = linear(h, rows, d, w('head.weight'), w('head.bias'), C);
  for (let b = 0; b < B; b++)
    for (let s = keyLengths[b]!; s < S; s++) logits.fill(0, (b * S + s) * C, (b * S + s + 1) * C);
  return { logits, attention };
}
