/**
 * The pure-TypeScript backend: no dependencies, runs wherever JavaScript runs.
 */
import { ALL_FEATURES, capabilities, defineBackend, type Backend, type BackendPlugin } from '@attnkit/core';
import { attentionTiled, attentionWithWeights } from './attention-kernel.js';
import { runUnits } from './attention-wasm.js';
import { instantiateKernels, type WasmKernels } from './wasm-kernels.js';
import { compileModel } from './model.js';

/** Options of the TypeScript backend (none yet; reserved for threads). */
export type TsBackendOptions = Record<string, never>;

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
export function createTsBackend(): Backend {
  let kernels: Promise<WasmKernels | undefined> | undefined;
  return defineBackend({
    name: 'ts',
    capabilities: tsCapabilities,
    info: { engine: 'TypeScript', threads: 1 },
    async attention(p) {
      if (p.weights !== 'none') return attentionWithWeights(p);
      kernels ??= instantiateKernels();
      const wasm = await kernels;
      if (!wasm) return { output: attentionTiled(p) };
      const out = new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim);
      let unit = 0;
      runUnits(p, wasm, out, () => unit++);
      return { output: out };
    },
    async compile(spec, weights) {
      return compileModel(spec, weights);
    },
  });
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
  async probe() {
    return { available: true, reason: 'pure TypeScript, runs everywhere' };
  },
  async create() {
    return createTsBackend();
  },
};
