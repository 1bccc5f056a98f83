/**
 * Loading the WebAssembly SIMD kernels (asm/kernels.ts) and the memory they work in.
 */
import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';

/** The exported kernel functions (pointers are byte offsets). */
interface KernelExports {
  readonly memory: WebAssembly.Memory;
  qk(q: number, k: number, s: number, R: number, C: number, Dp: number, ldS: number): void;
  pv(p: number, v: number, a: number, R: number, C: number, Dp: number, ldS: number): void;
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
    Dvp: number,
  ): number;
  ensure(bytes: number): boolean;
  base(): number;
}

/** An instance of the kernels with its own memory. */
export interface WasmKernels {
  readonly exports: KernelExports;
  /** First 4-byte word callers may use (below it: the module's static data). */
  readonly baseWord: number;
  /** Grows memory to hold `bytes` past the base and returns a fresh float view of all of it. */
  reserve(bytes: number): Float32Array;
  /** The current float view (invalid after memory grows: call `reserve`). */
  view(): Float32Array;
}

let compiled: Promise<WebAssembly.Module | undefined> | undefined;

function bytes(): Uint8Array<ArrayBuffer> {
  const s = atob(KERNELS_WASM_BASE64);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

/** Whether this runtime runs WebAssembly SIMD (the kernels validate). */
export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(bytes());
}

/** Compiles the module once per process (undefined when WebAssembly SIMD is unavailable). */
export function compileKernels(): Promise<WebAssembly.Module | undefined> {
  compiled ??= (async () => {
    if (!simdSupported()) return undefined;
    return WebAssembly.compile(bytes());
  })();
  return compiled;
}

/** Instantiates the kernels. */
export async function instantiateKernels(module?: WebAssembly.Module): Promise<WasmKernels | undefined> {
  const m = module ?? (await compileKernels());
  if (!m) return undefined;
  const instance = await WebAssembly.instantiate(m, {});
  const exports = instance.exports as unknown as KernelExports;
  let f32 = new Float32Array(exports.memory.buffer);
  const baseWord = exports.base() / 4;
  return {
    exports,
    baseWord,
    reserve(n) {
      n += baseWord * 4;
      if (!exports.ensure(n)) throw new Error(`WebAssembly memory cannot grow to ${n} bytes`);
      if (f32.buffer !== exports.memory.buffer) f32 = new Float32Array(exports.memory.buffer);
      return f32;
    },
    view() {
      if (f32.buffer !== exports.memory.buffer) f32 = new Float32Array(exports.memory.buffer);
      return f32;
    },
  };
}
