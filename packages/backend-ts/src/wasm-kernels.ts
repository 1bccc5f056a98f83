/**
 * Loading the WebAssembly SIMD kernels (asm/kernels.ts) and the memory they work in. Two builds of the
 * same kernels are embedded: relaxed SIMD (fused multiply-add: Chromium, Firefox, Node 22 and later;
 * Node 20 with `--experimental-wasm-relaxed-simd`) and plain SIMD, the fallback where the relaxed module
 * does not validate.
 */
import { KERNELS_RELAXED_WASM_BASE64, KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';

/** Which build of the kernels: `relaxed-simd` (fused multiply-add) or `simd`. */
export type KernelVariant = 'relaxed-simd' | 'simd';

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

const compiled = new Map<KernelVariant, Promise<WebAssembly.Module | undefined>>();
const validated = new Map<KernelVariant, boolean>();

function bytes(variant: KernelVariant): Uint8Array<ArrayBuffer> {
  const s = atob(variant === 'relaxed-simd' ? KERNELS_RELAXED_WASM_BASE64 : KERNELS_WASM_BASE64);
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

function validates(variant: KernelVariant): boolean {
  let ok = validated.get(variant);
  if (ok === undefined) {
    ok = typeof WebAssembly === 'object' && WebAssembly.validate(bytes(variant));
    validated.set(variant, ok);
  }
  return ok;
}

/** Whether this runtime runs WebAssembly SIMD (the kernels validate). */
export function simdSupported(): boolean {
  return validates('simd');
}

/**
 * The build that runs here: relaxed SIMD where its module validates (unless `relaxed` is false), plain
 * SIMD otherwise, `undefined` without WebAssembly SIMD.
 */
export function kernelVariant(relaxed = true): KernelVariant | undefined {
  if (relaxed && validates('relaxed-simd')) return 'relaxed-simd';
  return validates('simd') ? 'simd' : undefined;
}

/** Compiles a build once per process (undefined when WebAssembly SIMD is unavailable). */
export function compileKernels(
  variant: KernelVariant | undefined = kernelVariant(),
): Promise<WebAssembly.Module | undefined> {
  if (variant === undefined) return Promise.resolve(undefined);
  let m = compiled.get(variant);
  if (!m) {
    m = (async () => (validates(variant) ? WebAssembly.compile(bytes(variant)) : undefined))();
    compiled.set(variant, m);
  }
  return m;
}

/** Instantiates the kernels (a compiled module, or the given build). */
export async function instantiateKernels(
  module?: WebAssembly.Module,
  variant?: KernelVariant,
): Promise<WasmKernels | undefined> {
  const m = module ?? (await compileKernels(variant ?? kernelVariant()));
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
