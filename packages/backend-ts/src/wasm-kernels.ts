/**
 * Loading the WebAssembly SIMD kernels (asm/kernels.ts) on the backend's memory. Four builds of the same
 * kernels are embedded: relaxed SIMD (fused multiply-add: Chromium, Firefox, Node 22 and later; Node 20
 * with `--experimental-wasm-relaxed-simd`) and plain SIMD, the fallback where the relaxed module does not
 * validate, each importing a shared memory (worker threads compute on it too) or an unshared one.
 */
import {
  KERNELS_RELAXED_WASM_BASE64,
  KERNELS_SHARED_RELAXED_WASM_BASE64,
  KERNELS_SHARED_WASM_BASE64,
  KERNELS_WASM_BASE64,
} from './generated/kernels-wasm.js';

/** Elements at the start of the memory kept for the kernels' own static data and stack: 64 KiB. */
export const RESERVED_WORDS = 16384;

/** Which build of the kernels: `relaxed-simd` (fused multiply-add) or `simd`. */
export type KernelVariant = 'relaxed-simd' | 'simd';

/** The exported kernel functions (pointers are byte offsets). */
export interface KernelExports {
  qk(q: number, k: number, s: number, R: number, C: number, D: number, ldQ: number, ldK: number, ldS: number): void;
  pv(p: number, v: number, a: number, R: number, C: number, D: number, ldV: number, ldA: number, ldS: number): void;
  loadRows(src: number, dst: number, R: number, D: number, ldDst: number, scale: number): void;
  softmaxStep(
    s: number,
    R: number,
    C: number,
    ldS: number,
    j0: number,
    lo: number,
    hi: number,
    m: number,
    l: number,
    a: number,
    ldA: number,
  ): number;
  /** Byte offsets q, k, v, o, then the scratch s, a, lo, hi, m, l; then sizes and strides (see asm/kernels.ts). */
  bandUnit(...args: number[]): void;
  /** Σ x² over `n` floats at byte offset `p` (a bound for core's input scan; see asm/kernels.ts). */
  sumSquares(p: number, n: number): number;
  /** `y[r·O + o] += b[o]`: R rows of O at byte offset `y`, the bias at `b`. */
  addBias(y: number, R: number, O: number, b: number): void;
  /** GELU (tanh form) in place over `n` floats at byte offset `p`. */
  gelu(p: number, n: number): void;
  /** Layer norm of R rows of D from `x` into `y` (may be `x`), with gain `g` and bias `b` (byte offsets). */
  layerNormRows(x: number, y: number, R: number, D: number, g: number, b: number, eps: number): void;
  /** Widens `n` float16 bits (u16 at byte offset `src`) to float32 at byte offset `dst`, exactly. */
  widenHalves(src: number, dst: number, n: number): void;
  /** Narrows `n` float32 (at byte offset `src`) to float16 bits (u16 at `dst`), rounded to nearest even. */
  narrowHalves(src: number, dst: number, n: number): void;
  base(): number;
}

/** An instance of the kernels on a memory. */
export interface WasmKernels {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  /** A float view of the whole memory (re-derived after growth). */
  f32(): Float32Array;
  /** An int32 view of the whole memory. */
  i32(): Int32Array;
}

const compiled = new Map<string, Promise<WebAssembly.Module | undefined>>();
const validated = new Map<string, boolean>();

function source(variant: KernelVariant, shared: boolean): string {
  if (shared) return variant === 'relaxed-simd' ? KERNELS_SHARED_RELAXED_WASM_BASE64 : KERNELS_SHARED_WASM_BASE64;
  return variant === 'relaxed-simd' ? KERNELS_RELAXED_WASM_BASE64 : KERNELS_WASM_BASE64;
}

function bytes(variant: KernelVariant, shared: boolean): Uint8Array<ArrayBuffer> {
  const s = atob(source(variant, shared));
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function validates(variant: KernelVariant, shared = false): boolean {
  const key = `${variant}:${shared}`;
  let ok = validated.get(key);
  if (ok === undefined) {
    ok = typeof WebAssembly === 'object' && WebAssembly.validate(bytes(variant, shared));
    validated.set(key, ok);
  }
  return ok;
}

/** Whether this runtime runs WebAssembly SIMD (the kernels validate). */
export function simdSupported(): boolean {
  return validates('simd');
}

/** Whether the `variant` build importing a shared (or an unshared) memory validates here. */
export function memoryValidates(variant: KernelVariant, shared: boolean): boolean {
  return validates(variant, shared);
}

/**
 * The build that runs here: relaxed SIMD where its module validates (unless `relaxed` is false), plain
 * SIMD otherwise, `undefined` without WebAssembly SIMD.
 */
export function kernelVariant(relaxed = true): KernelVariant | undefined {
  if (relaxed && validates('relaxed-simd')) return 'relaxed-simd';
  return validates('simd') ? 'simd' : undefined;
}

/** Compiles a build once per process (undefined when it does not validate here). */
export function compileKernels(variant: KernelVariant, shared: boolean): Promise<WebAssembly.Module | undefined> {
  const key = `${variant}:${shared}`;
  let m = compiled.get(key);
  if (!m) {
    m = (async () => (validates(variant, shared) ? WebAssembly.compile(bytes(variant, shared)) : undefined))();
    compiled.set(key, m);
  }
  return m;
}

/** Instantiates a compiled build on `memory` (the backend's, shared or not as the build expects). */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WasmKernels> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as KernelExports;
  if (exports.base() > RESERVED_WORDS * 4)
    throw new Error(`the kernels' static data (${exports.base()} bytes) overlaps the memory the backend hands out`);
  let f32 = new Float32Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  const refresh = (): void => {
    f32 = new Float32Array(memory.buffer);
    i32 = new Int32Array(memory.buffer);
  };
  return {
    exports,
    memory,
    f32() {
      if (f32.buffer !== memory.buffer) refresh();
      return f32;
    },
    i32() {
      if (i32.buffer !== memory.buffer) refresh();
      return i32;
    },
  };
}
