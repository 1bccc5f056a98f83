/**
 * The pure-TypeScript backend: no dependencies, runs wherever JavaScript runs.
 */
import { ALL_FEATURES, capabilities, defineBackend, inputBytes, type Backend, type BackendPlugin } from '@attnkit/core';
import { attentionTiled, attentionWithWeights } from './attention-kernel.js';
import { runUnits, unitCount } from './attention-wasm.js';
import { instantiateKernels, kernelVariant, type WasmKernels } from './wasm-kernels.js';
import { startPool, type AttentionPool } from './pool.js';
import { defaultThreads, threadsUnavailable, workerFactory } from '#pool-platform';
import type { AttentionProblem } from '@attnkit/core';
import { compileModel } from './model.js';
import { linear } from './layers.js';
import { linearWasm } from './linear-wasm.js';

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

/** Calls with fewer multiply-adds than this (about a millisecond of work) run on the calling thread. */
const POOL_MIN_WORK = 32_000_000;
/** Calls that copy more keys and values than this (4 MiB of float32) go to the pool as well. */
const POOL_MIN_COPY = 1 << 20;

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
  const variant = options.simd === false ? undefined : kernelVariant(options.relaxedSimd !== false);
  const simd = variant !== undefined;
  const factory = workerFactory();
  const threads = factory ? Math.max(1, Math.floor(options.threads ?? defaultThreads())) : 1;
  // What runs, as the selection report shows it; `threads` drops to 1 (with the reason) if the pool fails.
  const info: Record<string, string | number | boolean> = {
    engine: simd ? 'TypeScript + WebAssembly SIMD' : 'TypeScript',
    kernels: variant ?? 'typescript',
    threads,
  };
  const off = factory ? undefined : threadsUnavailable();
  if (off !== undefined && options.threads !== 1) info.threadsOff = off;
  let kernels: Promise<WasmKernels | undefined> | undefined;
  let pool: Promise<AttentionPool | undefined> | undefined;

  /** Attention output on the fastest path available; shared by `attention` and compiled models. */
  async function attend(p: AttentionProblem): Promise<Float32Array> {
    // Additive relevance runs on the plain-TypeScript tiled kernel (the SIMD and threaded paths compute dot products).
    if (p.additive) return attentionTiled(p);
    const work = p.batch * p.qHeads * p.qLength * p.keyLength * (p.keyDim + p.valueDim);
    // Decode steps do little arithmetic per key but copy every key and value: count those too.
    const copied = p.batch * p.kvHeads * p.keyLength * (p.keyDim + p.valueDim);
    if (threads > 1 && factory && (work >= POOL_MIN_WORK || copied >= POOL_MIN_COPY) && unitCount(p) > 1) {
      pool ??= startPool(threads, factory, variant).catch((e: unknown) => {
        info.threads = 1;
        info.threadsOff = `the worker pool failed to start: ${e instanceof Error ? e.message : String(e)}`;
        return undefined;
      });
      const started = await pool;
      if (started) return started.run(p);
    }
    if (simd) {
      kernels ??= instantiateKernels(undefined, variant);
      const wasm = await kernels;
      if (wasm) {
        const out = new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim);
        let unit = 0;
        runUnits(p, wasm, out, () => unit++);
        return out;
      }
    }
    return attentionTiled(p);
  }

  return defineBackend(
    {
      name: 'ts',
      capabilities: tsCapabilities,
      info,
      async attention(p) {
        if (p.attentionMap !== 'none') return attentionWithWeights(p);
        return { output: await attend(p) };
      },
      async compile(spec, weights) {
        if (simd) kernels ??= instantiateKernels(undefined, variant);
        const wasm = simd ? await kernels : undefined;
        return compileModel(spec, weights, {
          attend,
          linear: wasm ? linearWasm(wasm) : linear,
        });
      },
      // Threaded calls copy q, k and v into shared memory; the kernels' other scratch is O(T·D).
      memory: {
        scratchBytes: inputBytes,
      },
      async dispose() {
        const started = await pool;
        pool = undefined;
        await started?.close();
      },
    },
    { maxBytes: options.maxBytes },
  );
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
