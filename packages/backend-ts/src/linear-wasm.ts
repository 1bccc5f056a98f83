/**
 * Dense layers `y = x·Wᵀ + b` on the WebAssembly SIMD `qk` kernel (a matrix times a transposed matrix).
 *
 * Shape legend: R rows, I in features (padded to Ip, a multiple of 4), O out features.
 */
import type { Linear } from './layers.js';
import type { WasmKernels } from './wasm-kernels.js';

/** Rows per chunk copied into WebAssembly memory. */
const CHUNK = 512;

/** The {@link Linear} layer on `kernels`. */
export const linearWasm =
  (kernels: WasmKernels): Linear =>
  (x, R, I, w, b, O, y = new Float32Array(R * O), accumulate = false) => {
    const Ip = (I + 3) & ~3;
    const wAt = kernels.baseWord,
      xAt = wAt + O * Ip,
      yAt = xAt + CHUNK * Ip;
    let mem = kernels.reserve((yAt - wAt + CHUNK * O) * 4);
    for (let o = 0; o < O; o++) {
      mem.set(w.subarray(o * I, (o + 1) * I), wAt + o * Ip);
      mem.fill(0, wAt + o * Ip + I, wAt + (o + 1) * Ip);
    }
    for (let r0 = 0; r0 < R; r0 += CHUNK) {
      const rows = Math.min(CHUNK, R - r0);
      if (Ip === I) mem.set(x.subarray(r0 * I, (r0 + rows) * I), xAt);
      else
        for (let r = 0; r < rows; r++) {
          mem.set(x.subarray((r0 + r) * I, (r0 + r + 1) * I), xAt + r * Ip);
          mem.fill(0, xAt + r * Ip + I, xAt + (r + 1) * Ip);
        }
      kernels.exports.qk(xAt * 4, wAt * 4, yAt * 4, rows, O, Ip, O);
      mem = kernels.view();
      const base = r0 * O;
      if (accumulate) for (let i = 0, n = rows * O; i < n; i++) y[base + i] = y[base + i]! + mem[yAt + i]! + b[i % O]!;
      else
        for (let r = 0; r < rows; r++) for (let o = 0; o < O; o++) y[base + r * O + o] = mem[yAt + r * O + o]! + b[o]!;
    }
    return y;
  };
