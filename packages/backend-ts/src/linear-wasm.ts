/**
 * The encoder's dense layers on the WebAssembly SIMD kernels, in the engine's memory: `y = x·Wᵀ + b` on the
 * `qk` kernel (a matrix times a transposed matrix) with the bias added there, and the GELU and layer norm
 * that run between them. Rows go through the memory in chunks, so the scratch stays small. A float16
 * model's matrix is copied in as its half bits (2 bytes a weight) and widened there by the SIMD conversion,
 * exactly, into the float32 block the kernel reads.
 *
 * Shape legend: R rows, I in features, O out features, D a normalised row's width.
 */
import type { Linear, LinearHalves } from './layers.js';
import type { MemoryEngine } from './memory-engine.js';
import type { WasmKernels } from './wasm-kernels.js';

/** Rows per chunk copied into WebAssembly memory. */
const CHUNK = 512;
/** Elements per chunk of an elementwise operation. */
const ELEMENTS = 1 << 16;

/** The dense layer on `kernels` once `place` has written the float32 matrix at the element offset it is given. */
function dense(
  engine: MemoryEngine,
  kernels: WasmKernels,
  place: (wAt: number) => void,
  x: Float32Array,
  R: number,
  I: number,
  b: Float32Array,
  O: number,
  y: Float32Array,
  accumulate: boolean,
): Float32Array {
  const wAt = engine.role('linear w', O * I).at,
    bAt = engine.role('linear b', O).at,
    xAt = engine.role('linear x', CHUNK * I).at,
    yAt = engine.role('linear y', CHUNK * O).at;
  place(wAt);
  kernels.f32().set(b.subarray(0, O), bAt);
  for (let r0 = 0; r0 < R; r0 += CHUNK) {
    const rows = Math.min(CHUNK, R - r0);
    kernels.f32().set(x.subarray(r0 * I, (r0 + rows) * I), xAt);
    kernels.exports.qk(xAt * 4, wAt * 4, yAt * 4, rows, O, I, I, I, O);
    kernels.exports.addBias(yAt * 4, rows, O, bAt * 4);
    const out = kernels.f32().subarray(yAt, yAt + rows * O);
    const base = r0 * O;
    if (accumulate) for (let i = 0; i < out.length; i++) y[base + i] = y[base + i]! + out[i]!;
    else y.set(out, base);
  }
  return y;
}

/** The {@link Linear} layer on `kernels`, in `engine`'s memory. */
export const linearWasm =
  (engine: MemoryEngine, kernels: WasmKernels): Linear =>
  (x, R, I, w, b, O, y = new Float32Array(R * O), accumulate = false) =>
    dense(engine, kernels, (wAt) => kernels.f32().set(w.subarray(0, O * I), wAt), x, R, I, b, O, y, accumulate);

/** The {@link LinearHalves} layer on `kernels`: the half bits go in, the SIMD conversion widens them there. */
export const linearWasmHalves =
  (engine: MemoryEngine, kernels: WasmKernels): LinearHalves =>
  (x, R, I, w, b, O, y = new Float32Array(R * O), accumulate = false) => {
    const place = (wAt: number): void => {
      const n = O * I;
      const h = engine.role('linear w16', Math.ceil(n / 2));
      new Uint16Array(kernels.memory.buffer, h.at * 4, n).set(w.subarray(0, n));
      kernels.exports.widenHalves(h.at * 4, wAt * 4, n);
    };
    return dense(engine, kernels, place, x, R, I, b, O, y, accumulate);
  };

/** GELU in place on the SIMD kernels (ReLU stays in TypeScript: it is one comparison). */
export const geluWasm =
  (engine: MemoryEngine, kernels: WasmKernels) =>
  (x: Float32Array): void => {
    const at = engine.role('elementwise', Math.min(ELEMENTS, x.length)).at;
    for (let i0 = 0; i0 < x.length; i0 += ELEMENTS) {
      const part = x.subarray(i0, Math.min(x.length, i0 + ELEMENTS));
      kernels.f32().set(part, at);
      kernels.exports.gelu(at * 4, part.length);
      part.set(kernels.f32().subarray(at, at + part.length));
    }
  };

/** Layer norm over rows of D (as `layerNorm` in layers.ts) on the SIMD kernels; `y` may be `x`. */
export const layerNormWasm =
  (engine: MemoryEngine, kernels: WasmKernels) =>
  (
    x: Float32Array,
    R: number,
    D: number,
    g: Float32Array,
    b: Float32Array,
    eps: number,
    y: Float32Array = new Float32Array(R * D),
  ): Float32Array => {
    const rowsPer = Math.max(1, Math.floor(ELEMENTS / D));
    const at = engine.role('elementwise', Math.min(rowsPer, R) * D).at;
    const gAt = engine.role('norm g', D).at,
      bAt = engine.role('norm b', D).at;
    kernels.f32().set(g.subarray(0, D), gAt);
    kernels.f32().set(b.subarray(0, D), bAt);
    for (let r0 = 0; r0 < R; r0 += rowsPer) {
      const rows = Math.min(rowsPer, R - r0);
      kernels.f32().set(x.subarray(r0 * D, (r0 + rows) * D), at);
      kernels.exports.layerNormRows(at * 4, at * 4, rows, D, gAt * 4, bAt * 4, eps);
      y.set(kernels.f32().subarray(at, at + rows * D), r0 * D);
    }
    return y;
  };
