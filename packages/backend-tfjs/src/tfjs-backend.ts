/**
 * The TensorFlow.js backend: attention and encoders from tfjs ops, on tfjs's wasm or cpu backend (and in
 * browsers webgl or webgpu, when the application registers them).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  ALL_FEATURES,
  capabilities,
  defineBackend,
  inputBytes,
  OptionError,
  type AttentionDims,
  type Backend,
  type BackendPlugin,
  type Capabilities,
  type MemoryModel,
  widenWeights,
} from '@attnkit/core';
import { attentionKernel, CHUNK_ELEMENTS } from './attention-kernel.js';
import type { AttentionStrategy } from './attention-ops.js';
import { startRuntime, type TfjsRuntimeOptions } from './tfjs-runtime.js';
import { compileModel } from './model.js';
import { residentKernel } from './resident-kernel.js';
import { tfjsStore, TransferCounter } from './resident-store.js';

/** Options of {@link createTfjsBackend}. */
export interface TfjsBackendOptions extends TfjsRuntimeOptions {
  /**
   * Largest score chunk of one attention call, in elements (default `2^23`, 32 MiB): query rows are
   * processed in chunks of `max(1, floor(chunkElements / (B·Hq·T)))`.
   */
  readonly chunkElements?: number;
  /**
   * How attention is evaluated (same results): `batched` ops over all heads, or `per-head` rank-2
   * matMuls, which tfjs's wasm backend runs several times faster on large heads. Default `auto`: per head
   * on wasm when a head's work, `rows·T·(Dk + Dv)`, reaches `2^20` multiply-adds, else batched.
   */
  readonly strategy?: 'auto' | AttentionStrategy;
  /** The most one call may allocate, in bytes (see `BackendSettings` in `@attnkit/core`). */
  readonly maxBytes?: number;
}

/**
 * What tfjs allocates for one call: its own copies of q, k and v, and up to four score-sized chunks
 * (bias, scores, probabilities, a temporary). On wasm everything lives in one 32-bit WebAssembly memory
 * (4 GiB at most, shared by every tensor of the page), and a failed allocation there aborts the module for
 * good, so a request is capped at 1 GiB: it is refused instead.
 */
function tfjsMemory(engine: string, chunkElements: number): MemoryModel {
  const scratchBytes = (d: AttentionDims): number => {
    const scores = d.batch * d.qHeads * d.qLength * d.keyLength;
    return inputBytes(d) + 16 * Math.min(scores, Math.max(chunkElements, d.batch * d.qHeads * d.keyLength));
  };
  return engine === 'wasm' ? { scratchBytes, maxBytes: 2 ** 30 } : { scratchBytes };
}

const STRATEGIES = ['auto', 'batched', 'per-head'];

/**
 * Every feature: masks, windows, key lengths, graphs and ALiBi become one additive bias built from core's
 * semantics; `past` arrives concatenated by core.
 */
export const tfjsCapabilities: Capabilities = capabilities(
  ALL_FEATURES.filter((f) => f !== 'float16' && f !== 'models:float16'),
  {
    float16:
      "TensorFlow.js has no float16 tensors on its wasm and cpu backends; widen with toFloat32() from '@attnkit/core', or use backend-ts, backend-onnx or backend-webgpu",
    'models:float16':
      'TensorFlow.js has no float16 tensors on its wasm and cpu backends, so a model would hold float32 copies of its weights; compile with float32 weights here (float16 ones are widened), or use backend-ts, backend-onnx or backend-webgpu',
  },
);

/**
 * Creates the tfjs backend directly (without a registry). With no `backend` option it starts tfjs's wasm
 * backend, or cpu when wasm cannot start (`info.fallback` says why); an explicit choice that cannot start
 * throws.
 *
 * @example
 * ```ts
 * const backend = await createTfjsBackend({ backend: 'wasm' });
 * const { output } = await backend.attention(q, k, v, { causal: true });
 * console.log(backend.info.tfjsBackend); // 'wasm'
 * await backend.dispose();
 * ```
 */
export async function createTfjsBackend(options: TfjsBackendOptions = {}): Promise<Backend> {
  const chunkElements = options.chunkElements ?? CHUNK_ELEMENTS;
  if (!Number.isInteger(chunkElements) || chunkElements < 1) {
    throw new OptionError(
      'ERR_OPTION',
      `options.chunkElements: expected a positive integer, got ${String(chunkElements)}`,
      'options.chunkElements',
    );
  }
  const strategy = options.strategy ?? 'auto';
  if (!STRATEGIES.includes(strategy)) {
    throw new OptionError(
      'ERR_OPTION',
      `options.strategy: got ${JSON.stringify(strategy)}, expected one of ${STRATEGIES.join(', ')}`,
      'options.strategy',
    );
  }
  const runtime = await startRuntime(options);
  const settings = { tfjsBackend: runtime.name, strategy, chunkElements };
  // On tfjs's cpu backend tensors are JavaScript arrays: no copy crosses between memories there.
  const transfers = new TransferCounter(runtime.name !== 'cpu');
  return defineBackend(
    {
      name: 'tfjs',
      capabilities: tfjsCapabilities,
      info: runtime.info,
      attention: (p) => attentionKernel(runtime.name, p, settings),
      memory: tfjsMemory(runtime.name, chunkElements),
      // Core hands float32 weights to a backend without models:float16.
      compile: (spec, weights) => compileModel(settings, spec, widenWeights(weights)),
      // Handles are tfjs tensors; caches keep their storage in JavaScript arrays (see resident-store.ts).
      resident: tfjsStore(runtime.name, transfers),
      residentAttention: (p) => residentKernel(runtime.name, p, settings, transfers),
    },
    { maxBytes: options.maxBytes },
  );
}

/**
 * The plugin to register. `create(options)` takes {@link TfjsBackendOptions}.
 *
 * @example
 * ```ts
 * import { createRegistry } from '@attnkit/core';
 * import { plugin as tfjsPlugin } from '@attnkit/backend-tfjs';
 * const registry = createRegistry().register(tfjsPlugin, { priority: 5 });
 * const { backend } = await registry.select({ createOptions: { tfjs: { backend: 'cpu' } } });
 * ```
 */
export const plugin: BackendPlugin<TfjsBackendOptions> = {
  name: 'tfjs',
  capabilities: tfjsCapabilities,
  async probe() {
    const wasm =
      typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'undefined'
        ? 'wasm, falling back to cpu'
        : 'cpu (no WebAssembly here)';
    return { available: true, reason: `TensorFlow.js ${tf.version_core}: ${wasm}` };
  },
  create: (options) => createTfjsBackend(options ?? {}),
};

declare module '@attnkit/core' {
  // This backend's entry: typed `createOptions` and `force`.
  interface BackendOptionsByName {
    /** `select({ createOptions: { tfjs: ... } })` takes {@link TfjsBackendOptions}. */
    tfjs: TfjsBackendOptions;
  }
}
