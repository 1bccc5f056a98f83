/**
 * Dense layers of the encoder in float32 (row-major). Shape legend: R rows (B·S), I/O in/out features.
 */
import { ropeTables, sinusoidTable } from '@attnkit/core';

/**
 * A dense layer `y[R, O] = x[R, I]·w[O, I]ᵀ + b[O]`, writing into `y` (a new array by default) or, with
 * `accumulate`, adding to it (`y += ...`); returns `y`.
 */
export type Linear = (
  x: Float32Array,
  R: number,
  I: number,
  w: Float32Array,
  b: Float32Array,
  O: number,
  y?: Float32Array,
  accumulate?: boolean,
) => Float32Array;

/** A {@link Linear} layer whose matrix `w` is float16 bits (widened exactly by the layer). */
export type LinearHalves = (
  x: Float32Array,
  R: number,
  I: number,
  w: Uint16Array,
  b: Float32Array,
  O: number,
  y?: Float32Array,
  accumulate?: boolean,
) => Float32Array;

/** The {@link Linear} layer in TypeScript. */
export const linear: Linear = (x, R, I, w, b, O, y = new Float32Array(R * O), accumulate = false) => {
  for (let r = 0; r < R; r++) {
    const xo = r * I,
      yo = r * O;
    for (let o = 0; o < O; o++) {
      const wo = o * I;
      let s0 = 0,
        s1 = 0,
        s2 = 0,
        s3 = 0;
      let i = 0;
      for (; i + 3 < I; i += 4) {
        s0 += x[xo + i]! * w[wo + i]!;
        s1 += x[xo + i + 1]! * w[wo + i + 1]!;
        s2 += x[xo + i + 2]! * w[wo + i + 2]!;
        s3 += x[xo + i + 3]! * w[wo + i + 3]!;
      }
      for (; i < I; i++) s0 += x[xo + i]! * w[wo + i]!;
      const v = s0 + s1 + s2 + s3 + b[o]!;
      y[yo + o] = accumulate ? y[yo + o]! + v : v;
    }
  }
  return y;
};

/** Layer norm over the last axis (biased variance), into `y`. */
export function layerNorm(
  x: Float32Array,
  R: number,
  D: number,
  g: Float32Array,
  b: Float32Array,
  eps: number,
  y: Float32Array = new Float32Array(R * D),
): Float32Array {
  for (let r = 0; r < R; r++) {
    const o = r * D;
    let mean = 0;
    for (let i = 0; i < D; i++) mean += x[o + i]!;
    mean /= D;
    let v = 0;
    for (let i = 0; i < D; i++) {
      const c = x[o + i]! - mean;
      v += c * c;
    }
    const inv = 1 / Math.sqrt(v / D + eps);
    for (let i = 0; i < D; i++) y[o + i] = (x[o + i]! - mean) * inv * g[i]! + b[i]!;
  }
  return y;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** In-place activation. */
export function activate(x: Float32Array, kind: 'relu' | 'gelu'): void {
  if (kind === 'relu') {
    for (let i = 0; i < x.length; i++) if (x[i]! < 0) x[i] = 0;
  } else {
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      x[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
    }
  }
}

/** `[B, S, H·D]` (rows of width `stride`, starting at column `col`) → `[B, H, S, D]`. */
export function splitHeads(
  x: Float32Array,
  B: number,
  S: number,
  H: number,
  D: number,
  stride = H * D,
  col = 0,
): Float32Array {
  const y = new Float32Array(B * H * S * D);
  // Element by element: heads are short (a `subarray` and `set` per head cost more than the copy).
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      let dst = (b * H + h) * S * D;
      for (let s = 0; s < S; s++) {
        const src = (b * S + s) * stride + col + h * D;
        for (let i = 0; i < D; i++) y[dst++] = x[src + i]!;
      }
    }
  return y;
}

/** RoPE in place on `[B, H, S, Dh]` with core's tables, rotating the two halves of each head. */
export function rope(x: Float32Array, BH: number, S: number, Dh: number, base: number): void {
  const half = Dh / 2;
  const { cos, sin } = ropeTables(S, Dh, base);
  for (let s = 0; s < S; s++) {
    for (let bh = 0; bh < BH; bh++) {
      const o = (bh * S + s) * Dh;
      for (let i = 0; i < half; i++) {
        const a = x[o + i]!,
          z = x[o + i + half]!;
        const c = cos[s * half + i]!,
          n = sin[s * half + i]!;
        x[o + i] = a * c - z * n;
        x[o + i + half] = a * n + z * c;
      }
    }
  }
}

/** Adds core's sinusoidal table to `h` `[B, S, d]` in place. */
export function addSinusoid(h: Float32Array, B: number, S: number, d: number): void {
  const table = sinusoidTable(S, d);
  for (let b = 0; b < B; b++) {
    const o = b * S * d;
    for (let x = 0; x < S * d; x++) h[o + x] = h[o + x]! + table[x]!;
  }
}
