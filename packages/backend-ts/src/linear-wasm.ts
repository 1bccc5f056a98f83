/**
 * Dense layers `y = x·Wᵀ + b` on the WebAssembly SIMD `qk` kernel (a matrix times a transposed matrix), in
 * the engine's memory.
 *
 * Shape legend: R rows, I in features, O out features.
 */
import type { Linear } from './layers.js';
import type { MemoryEngine } from './memory-engine.js';
import type { WasmKernels } from './wasm-kernels.js';

/** Rows per chunk copied into WebAssembly memory. */
const CHUNK = 512;

/** The {@link Linear} layer on `kernels`, in `engine`'s memory. */
export const linearWasm =
  (engine: MemoryEngine, kernels: WasmKernels): Linear =>
  (x, R, I, w, b, O, y = new Float32Array(R * O), accumulate = false) => {
    const wAt = engine.role('linear w', O * I).at,
      xAt = engine.role('linear x', CHUNK * I).at,
      yAt = engine.role('linear y', CHUNK * O).at;
    kernels.f32().set(w.subarray(0, O * I), wAt);
    for (let r0 = 0; r0 < R; r0 += CHUNK) {
      const rows = Math.min(CHUNK, R - r0);
      kernels.f32().set(x.subarray(r0 * I, (r0 + rows) * I), xAt);
      kernels.exports.qk(xAt * 4, wAt * 4, yAt * 4, rows, O, I, I, I, O);
      const mem = kernels.f32();
      const base = r0 * O;
      if (accumulate) for (let i = 0, n = rows * O; i < n; i++) y[base + i] = y[base + i]! + mem[yAt + i]! + b[i % O]!;
      else
        for (let r = 0; r < rows; r++) for (let o = 0; o < O; o++) y[base + r * O + o] = mem[yAt + r * O + o]! + b[o]!;
    }
    return y;
  };
