/**
 * The pure-TypeScript backend: no dependencies, runs wherever JavaScript runs.
 */
import {
  ALL_FEATURES,
  AttnkitError,
  capabilities,
  defineBackend,
  inputBytes,
  type AttentionOutput,
  type AttentionDims,
  type AttentionProblem,
  type Backend,
  type BackendKernels,
  type BackendPlugin,
  type KernelInput,
  type ResidentAttentionOutput,
  type ResidentProblem,
} from '@attnkit/core';
import { attentionTiled, attentionWithWeights } from './attention-kernel.js';
import { kernelVariant, memoryValidates } from './wasm-kernels.js';
import { startPool, type AttentionPool } from './pool.js';
import { defaultThreads, threadsUnavailable, workerFactory } from '#pool-platform';
import { compileModel } from './model.js';
import { linear } from './layers.js';
import { geluWasm, layerNormWasm, linearWasm, linearWasmHalves } from './linear-wasm.js';
import { MemoryEngine, POOL_MIN_WORK as ENGINE_POOL_MIN_WORK, type Source } from './memory-engine.js';
import { memoryStore } from './resident-store.js';
import { halfCallBytes } from './attention-half.js';
import { WasmArena, type Block } from './wasm-memory.js';

/** Options of the TypeScript backend. */
export interface TsBackendOptions {
  /**
   * Threads for large calls (default: the hardware threads available). `1` runs everything on the calling
   * thread. Worker threads in Node; Web Workers in cross-origin isolated pages, else one thread.
   */
  readonly threads?: number;
  /** Use the WebAssembly SIMD kernels where the runtime supports them (default true). */
  readonly simd?: boolean;
  /**
   * Use the relaxed-SIMD build of the kernels (fused multiply-add) where the runtime validates it
   * (default true); `false` keeps the plain SIMD build.
   */
  readonly relaxedSimd?: boolean;
  /** The most one call may allocate, in bytes (see `BackendSettings` in `@attnkit/core`). */
  readonly maxBytes?: number;
}

/** Plain-TypeScript calls with fewer multiply-adds than this (about a millisecond of work) run on the calling thread. */
const POOL_MIN_WORK = 32_000_000;

/** Every feature of the suite. */
export const tsCapabilities = capabilities(ALL_FEATURES);

/**
 * Creates the TypeScript backend directly (without a registry).
 *
 * @example
 * ```ts
 * const backend = createTsBackend();
 * const { output } = await backend.attention(q, k, v, { window: { left: 64, right: 64 } });
 * ```
 */
export function createTsBackend(options: TsBackendOptions = {}): Backend {
  return createTsEngine(options).backend;
}

/** How the backend's memory is made (tests try both kinds and small maxima). @internal */
export interface MemorySettings {
  /** Share the memory with worker threads (default: where SharedArrayBuffer and the shared build work). */
  readonly shared?: boolean;
  /** The most pages it may grow to (default 65536: 4 GiB). */
  readonly maxPages?: number;
}

/** The backend and, with the SIMD kernels, the engine behind it (for tests). @internal */
export function createTsEngine(
  options: TsBackendOptions = {},
  settings: MemorySettings = {},
): { backend: Backend; engine: MemoryEngine | undefined } {
  const variant = options.simd === false ? undefined : kernelVariant(options.relaxedSimd !== false);
  const canShare = variant !== undefined && workerFactory() !== undefined && memoryValidates(variant, true);
  const factory = settings.shared === false ? undefined : workerFactory();
  const threads = factory ? Math.max(1, Math.floor(options.threads ?? defaultThreads())) : 1;
  // The memory the SIMD kernels compute on: shared where the threads can use it.
  const arena = variant ? WasmArena.create(canShare && settings.shared !== false, settings.maxPages) : undefined;
  const simd = variant !== undefined && arena !== undefined;
  // What runs, as the selection report shows it; `threads` drops to 1 (with the reason) if the pool fails.
  const info: Record<string, string | number | boolean> = {
    engine: simd ? 'TypeScript + WebAssembly SIMD' : 'TypeScript',
    kernels: simd ? variant : 'typescript',
    threads: simd && !arena.shared ? 1 : threads,
  };
  const off = !factory
    ? threadsUnavailable()
    : simd && !arena.shared
      ? 'the kernels cannot run on a shared WebAssembly memory here'
      : undefined;
  if (off !== undefined && options.threads !== 1) info.threadsOff = off;
  const threadsFailed = (reason: string): void => {
    info.threads = 1;
    info.threadsOff = reason;
  };
  const engine = simd
    ? new MemoryEngine(arena, variant, { count: threads, factory, onFail: threadsFailed })
    : undefined;
  // Without the SIMD kernels: the plain-TypeScript kernel, over the threads for large calls.
  let pool: Promise<AttentionPool | undefined> | undefined;
  async function attendTs(p: AttentionProblem): Promise<Float32Array> {
    const work = p.batch * p.qHeads * p.qLength * p.keyLength * (p.keyDim + p.valueDim);
    if (!p.additive && threads > 1 && factory && work >= POOL_MIN_WORK && p.batch * p.qHeads > 1) {
      pool ??= startPool(threads, factory).catch((e: unknown) => {
        threadsFailed(`the worker pool failed to start: ${e instanceof Error ? e.message : String(e)}`);
        return undefined;
      });
      const started = await pool;
      if (started) return started.runArrays(p);
    }
    return attentionTiled(p);
  }

  /**
   * Attention output on the fastest path available; shared by `attention` and compiled models. With
   * `squares`, the SIMD path also sums the squares of the inputs for core's scan (the other paths leave
   * the scan to core).
   */
  async function attend(p: AttentionProblem, squares = false): Promise<AttentionOutput & { output: Float32Array }> {
    // Additive relevance runs on the plain-TypeScript tiled kernel (the SIMD kernels compute dot products).
    if (!engine || p.additive) return { output: await attendTs(p) };
    try {
      const r = await engine.attend(p, { array: p.q }, { array: p.k }, { array: p.v }, false, squares);
      const output = (r as { output: Float32Array }).output;
      return r.squares ? { output, inputSquares: r.squares } : { output };
    } catch (e) {
      // Inputs the WebAssembly memory cannot hold run on the TypeScript kernel, which reads them in place.
      if (e instanceof AttnkitError && e.code === 'ERR_TOO_LARGE') return { output: attentionTiled(p) };
      throw e;
    }
  }

  const kernels: BackendKernels = {
    name: 'ts',
    capabilities: tsCapabilities,
    info,
    async attention(p) {
      if (p.attentionMap !== 'none') return attentionWithWeights(p);
      return attend(p, true);
    },
    // The SIMD kernels sum the squares of q, k and v as they run (on the threads for large calls); calls on
    // other paths return no sums, and core scans them itself.
    sumsInputSquares: true,
    async compile(spec, weights) {
      if (!engine) return compileModel(spec, weights, { attend: async (p) => (await attend(p)).output, linear });
      const wasm = await engine.kernels();
      return compileModel(spec, weights, {
        attend: async (p) => (await attend(p)).output,
        linear: linearWasm(engine, wasm),
        linearHalves: linearWasmHalves(engine, wasm),
        gelu: geluWasm(engine, wasm),
        layerNorm: layerNormWasm(engine, wasm),
      });
    },
    // Calls on arrays copy q, k and v into the WebAssembly memory (or shared memory for the threads);
    // the kernels' other scratch is O(D) per thread. What the memory cannot hold runs on the TypeScript
    // kernel instead, and an upload or cache beyond it is refused with ERR_TOO_LARGE.
    memory: { scratchBytes: inputBytes },
    async dispose() {
      await engine?.close();
      const started = await pool;
      pool = undefined;
      await started?.close();
    },
  };
  if (!engine) return { backend: defineBackend(kernels, { maxBytes: options.maxBytes }), engine };
  // The most key/value heads one float16 call widens at a time: one per thread where the call may go to
  // the threads (the work bound here takes every key as visible), else one.
  const halfChunk = (d: AttentionDims): number =>
    threads > 1 &&
    engine.arena.shared &&
    d.batch * d.qHeads * d.qLength * d.keyLength * (d.keyDim + d.valueDim) >= ENGINE_POOL_MIN_WORK
      ? threads
      : 1;
  const backend = defineBackend(
    {
      ...kernels,
      async attention(p) {
        // float16 calls (rank 4, no past) on the SIMD kernels: the halves move, not float32 copies.
        if (p.halves && p.attentionMap === 'none' && !p.additive) {
          try {
            const output = await engine.attendHalves(p, p.halves, p.outputDtype === 'float16');
            return { output };
          } catch (e) {
            // What the WebAssembly memory cannot hold runs on the TypeScript kernel (core widens on read).
            if (!(e instanceof AttnkitError && e.code === 'ERR_TOO_LARGE')) throw e;
            return { output: attentionTiled(p) };
          }
        }
        return kernels.attention(p);
      },
      takesHalves: true,
      // As above; for float16 calls, the halves (2 bytes an element) and the float32 scratch of the
      // key/value heads widened at a time instead of float32 copies of the inputs. (An attention map or
      // additive relevance reads core's float32 view instead: widened copies, as counted.)
      memory: {
        scratchBytes: (d) =>
          d.halfInputs && d.attentionMap === 'none' && !d.additiveRelevance
            ? halfCallBytes(d, halfChunk(d))
            : inputBytes(d),
      },
      resident: memoryStore(engine),
      residentAttention: (p) => residentAttention(engine, p),
    },
    { maxBytes: options.maxBytes },
  );
  return { backend, engine };
}

/** A call on resident tensors or a cache: inputs that lie in the memory are read there. */
async function residentAttention(engine: MemoryEngine, p: ResidentProblem): Promise<ResidentAttentionOutput> {
  const source = (x: KernelInput): Source => (x.array ? { array: x.array } : { native: x.native as Block });
  if (!p.additive) return engine.attend(p, source(p.q), source(p.k), source(p.v), p.keep);
  // Additive relevance: the plain-TypeScript kernel, on the blocks where they lie (it runs synchronously,
  // so nothing grows the memory meanwhile).
  const mem = engine.arena.f32();
  const sizes = {
    q: p.batch * p.qHeads * p.qLength * p.keyDim,
    k: p.batch * p.kvHeads * p.keyLength * p.keyDim,
    v: p.batch * p.kvHeads * p.keyLength * p.valueDim,
  };
  const array = (x: KernelInput, n: number): Float32Array =>
    x.array ?? mem.subarray((x.native as Block).at, (x.native as Block).at + n);
  const output = attentionTiled({ ...p, q: array(p.q, sizes.q), k: array(p.k, sizes.k), v: array(p.v, sizes.v) });
  if (!p.keep) return { output };
  const native = engine.arena.allocate(output.length, false);
  engine.arena.f32().set(output, native.at);
  return { native };
}

/**
 * The plugin to register: always available.
 *
 * @example
 * ```ts
 * import { createRegistry } from '@attnkit/core';
 * import { plugin as tsPlugin } from '@attnkit/backend-ts';
 * const { backend } = await createRegistry().register(tsPlugin).select();
 * ```
 */
export const plugin: BackendPlugin<TsBackendOptions> = {
  name: 'ts',
  capabilities: tsCapabilities,
  async probe() {
    const off = threadsUnavailable();
    return {
      available: true,
      reason: `pure TypeScript, runs everywhere; ${off === undefined ? `${defaultThreads()} threads` : `one thread: ${off}`}`,
    };
  },
  async create(options) {
    return createTsBackend(options);
  },
};

declare module '@attnkit/core' {
  // This backend's entry: typed `createOptions` and `force`.
  interface BackendOptionsByName {
    /** `select({ createOptions: { ts: ... } })` takes {@link TsBackendOptions}. */
    ts: TsBackendOptions;
  }
}
