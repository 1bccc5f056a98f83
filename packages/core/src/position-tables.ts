/**
 * Positional encodings of the model spec, as tables: every backend and the reference build them here, so
 * a change to a formula is one edit. Each value is computed in float64 and rounded once to float32.
 *
 * Shape legend: S positions, d model width, Dh head size, H heads.
 */

/**
 * The sinusoidal table `[S, d]`: `PE[s, 2i] = sin(s · 10000^(-2i/d))`, `PE[s, 2i+1] = cos(s · 10000^(-2i/d))`.
 *
 * @example
 * ```ts
 * const pe = sinusoidTable(100, 64); // added to the input projection of 100 frames
 * ```
 */
export function sinusoidTable(S: number, d: number): Float32Array {
  const t = new Float32Array(S * d);
  for (let i = 0; i < d / 2; i++) {
    const freq = Math.pow(10000, (-2 * i) / d);
    for (let s = 0; s < S; s++) {
      t[s * d + 2 * i] = Math.sin(s * freq);
      t[s * d + 2 * i + 1] = Math.cos(s * freq);
    }
  }
  return t;
}

/**
 * RoPE's cosines and sines `[S, Dh/2]` of the angles `θ(s, i) = s · base^(-2i/Dh)`; position `s` rotates
 * each head's pair `(x[i], x[i + Dh/2])` by `θ(s, i)`.
 *
 * @example
 * ```ts
 * const { cos, sin } = ropeTables(512, 64, 10000);
 * ```
 */
export function ropeTables(
  S: number,
  Dh: number,
  base: number,
): {
  /** `cos θ(s, i)`, row-major `[S, Dh/2]`. */
  cos: Float32Array;
  /** `sin θ(s, i)`, row-major `[S, Dh/2]`. */
  sin: Float32Array;
} {
  const half = Dh / 2;
  const cos = new Float32Array(S * half),
    sin = new Float32Array(S * half);
  for (let i = 0; i < half; i++) {
    const inv = Math.pow(base, (-2 * i) / Dh);
    for (let s = 0; s < S; s++) {
      cos[s * half + i] = Math.cos(s * inv);
      sin[s * half + i] = Math.sin(s * inv);
    }
  }
  return { cos, sin };
}

/** ALiBi slopes `2^(-8(h+1)/H)` for H heads. */
export function alibiSlopes(heads: number): Float32Array {
  const s = new Float32Array(heads);
  for (let h = 0; h < heads; h++) s[h] = Math.pow(2, (-8 * (h + 1)) / heads);
  return s;
}
