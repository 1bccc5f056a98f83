/**
 * A compiled model's weights as this backend holds them: each weight once (q, k and v fused per layer
 * instead of kept apart), in the model's dtype. A float16 model keeps half bits only: each run widens its
 * vectors once (in JavaScript, by lookup) and each dense layer's matrix when the layer runs: with the SIMD
 * kernels, its halves are copied into the WebAssembly memory and widened there by the SIMD conversion
 * (see linear-wasm.ts); without them, in JavaScript. Either way into scratch the next layer reuses, so no
 * float32 copy of more than one matrix exists at a time.
 *
 * Shape legend: R rows, I/O in/out features, d dModel, H/Hkv heads, Dh head size.
 */
import { float32FromHalf, type ModelWeights, type ResolvedSpec } from '@attnkit/core';
import type { Linear, LinearHalves } from './layers.js';

/** A held weight: float32 values or half bits. */
type Held = Float32Array | Uint16Array;

let halfValues: Float32Array | undefined;

/** The float32 value of every half, by its bits (256 KiB, built on first use): widening is one lookup. */
function halfTable(): Float32Array {
  halfValues ??= float32FromHalf(Uint16Array.from({ length: 65536 }, (_, h) => h));
  return halfValues;
}

/** Widens the first `n` halves of `src` into `dst`. */
function widenInto(src: Uint16Array, dst: Float32Array, n: number): void {
  const t = halfTable();
  for (let i = 0; i < n; i++) dst[i] = t[src[i]!]!;
}

/** The weights a compiled model keeps, and the bytes they take. */
export interface HeldWeights {
  readonly arrays: ReadonlyMap<string, Held>;
  /** Bytes of every array kept. */
  readonly bytes: number;
}

/** The rows of the fused q|k|v projection of a layer. */
export function qkvRows(spec: ResolvedSpec): number {
  return (spec.heads + 2 * spec.kvHeads) * spec.headDim;
}

/** Keeps `weights` (core's copies) with q|k|v fused per layer as `layers.L.attention.qkv.{weight,bias}`. */
export function holdWeights(spec: ResolvedSpec, weights: ModelWeights): HeldWeights {
  const arrays = new Map<string, Held>();
  const get = (name: string): Held => weights.get(name)!;
  const make = (n: number): Held => (weights.dtype === 'float16' ? new Uint16Array(n) : new Float32Array(n));
  for (const [name, a] of weights) if (!/attention\.(query|key|value)\./.test(name)) arrays.set(name, a);
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh } = spec;
  const rows = qkvRows(spec);
  for (let l = 0; l < spec.layers; l++) {
    const p = `layers.${l}.attention.`;
    const weight = make(rows * d),
      bias = make(rows);
    let at = 0;
    for (const part of ['query', 'key', 'value']) {
      // Both arrays have the dtype of the model.
      (weight as Float32Array).set(get(`${p}${part}.weight`) as Float32Array, at * d);
      (bias as Float32Array).set(get(`${p}${part}.bias`) as Float32Array, at);
      at += (part === 'query' ? H : Hkv) * Dh;
    }
    arrays.set(`${p}qkv.weight`, weight);
    arrays.set(`${p}qkv.bias`, bias);
  }
  let bytes = 0;
  for (const a of arrays.values()) bytes += a.byteLength;
  return { arrays, bytes };
}

/** The first `n` values of `a` as float32: a view of float32 data, widened halves. */
export function float32Prefix(a: Held, n = a.length): Float32Array {
  if (a instanceof Float32Array) return a.subarray(0, n);
  const out = new Float32Array(n);
  widenInto(a, out, n);
  return out;
}

/** What one run reads the weights through. */
export interface RunWeights {
  /** A weight's float32 values, for vectors and small tables (widened once per run for halves). */
  readonly vector: (name: string) => Float32Array;
  /** A weight as held. */
  readonly held: (name: string) => Held;
  /** The dense layer `prefix` (`prefix.weight` `[O, I]`, `prefix.bias` `[O]`) on `x` `[R, I]`; see {@link Linear}. */
  readonly dense: (
    x: Float32Array,
    R: number,
    I: number,
    prefix: string,
    O: number,
    y?: Float32Array,
    accumulate?: boolean,
  ) => Float32Array;
}

/**
 * A run's view of `held`, computing dense layers with `linear`, or a float16 matrix with `linearHalves`
 * where given (the SIMD kernels widen it in the WebAssembly memory).
 */
export function runWeights(held: HeldWeights, linear: Linear, linearHalves?: LinearHalves): RunWeights {
  const widened = new Map<string, Float32Array>();
  let scratch: Float32Array | undefined;
  const vector = (name: string): Float32Array => {
    const a = held.arrays.get(name)!;
    if (a instanceof Float32Array) return a;
    let v = widened.get(name);
    if (!v) widened.set(name, (v = float32Prefix(a)));
    return v;
  };
  return {
    vector,
    held: (name) => held.arrays.get(name)!,
    dense: (x, R, I, prefix, O, y, accumulate) => {
      const w = held.arrays.get(`${prefix}.weight`)!;
      let w32: Float32Array;
      if (w instanceof Float32Array) w32 = w;
      else if (linearHalves) return linearHalves(x, R, I, w, vector(`${prefix}.bias`), O, y, accumulate);
      else {
        // One matrix at a time, in memory reused by the run's later layers.
        if (!scratch || scratch.length < w.length) scratch = new Float32Array(w.length);
        w32 = scratch.subarray(0, w.length);
        widenInto(w, w32, w.length);
      }
      return linear(x, R, I, w32, vector(`${prefix}.bias`), O, y, accumulate);
    },
  };
}
