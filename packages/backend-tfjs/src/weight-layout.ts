/**
 * How weights are laid out on tfjs. The spec's linear weights are `[out, in]` (y = x·Wᵀ + b); tfjs's
 * wasm backend multiplies fast only without transposed operands (a rank-2 matMul with `transposeB` runs
 * several times slower), so compiled models and trainers keep every linear weight as `Wᵀ`, `[in, out]`,
 * and convert at the boundary (upload, export).
 */

/** Whether a spec weight is a linear layer's matrix (and so kept transposed). */
export function isLinearWeight(name: string, shape: readonly number[]): boolean {
  // Additive relevance weights `[H, Dh]` are per-head vectors, not a linear layer.
  return shape.length === 2 && name.endsWith('.weight') && !name.endsWith('.additive.weight');
}

/** `[rows, cols]` → `[cols, rows]`, row-major. */
export function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c]!;
  return out;
}

/** A weight in spec layout → the tfjs layout: its data and shape. */
export function toTfjsLayout(
  name: string,
  shape: readonly number[],
  data: Float32Array,
): { data: Float32Array; shape: number[] } {
  if (!isLinearWeight(name, shape)) return { data: data.slice(), shape: [...shape] };
  return { data: transpose2d(data, shape[0]!, shape[1]!), shape: [shape[1]!, shape[0]!] };
}

/** A weight in tfjs layout → the spec layout (`specShape` is the spec's shape). */
export function toSpecLayout(name: string, specShape: readonly number[], data: Float32Array): Float32Array {
  if (!isLinearWeight(name, specShape)) return data.slice();
  return transpose2d(data, specShape[1]!, specShape[0]!);
}
