/**
 * Layout conversions between the packed `[B, S, H·D]` layout and the canonical `[B, H, S, D]`, and the
 * concatenation of a cache in front of new keys or values.
 *
 * Shape legend: B batch, S sequence length, H heads, D head size.
 */

/** `[B, S, H·D]` → `[B, H, S, D]`. */
export function unpack(src: Float32Array, B: number, S: number, H: number, D: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let b = 0; b < B; b++)
    for (let s = 0; s < S; s++)
      for (let h = 0; h < H; h++) {
        const from = ((b * S + s) * H + h) * D;
        out.set(src.subarray(from, from + D), ((b * H + h) * S + s) * D);
      }
  return out;
}

/** `[B, H, S, D]` → `[B, S, H·D]`. */
export function pack(src: Float32Array, B: number, H: number, S: number, D: number): Float32Array {
  const out = new Float32Array(src.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++) {
        const from = ((b * H + h) * S + s) * D;
        out.set(src.subarray(from, from + D), ((b * S + s) * H + h) * D);
      }
  return out;
}

/** Concatenates `[rows, Sa, D]` and `[rows, Sb, D]` along the sequence: `[rows, Sa + Sb, D]`. */
export function concatSeq(
  a: Float32Array,
  b: Float32Array,
  rows: number,
  Sa: number,
  Sb: number,
  D: number,
): Float32Array {
  const out = new Float32Array(rows * (Sa + Sb) * D);
  for (let r = 0; r < rows; r++) {
    out.set(a.subarray(r * Sa * D, (r + 1) * Sa * D), r * (Sa + Sb) * D);
    out.set(b.subarray(r * Sb * D, (r + 1) * Sb * D), (r * (Sa + Sb) + Sa) * D);
  }
  return out;
}
