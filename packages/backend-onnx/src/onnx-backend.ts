/**
 * The ONNX Runtime backend: attention and compiled encoders as ONNX graphs run by `onnxruntime-node`.
 */
import {
  ALL_FEATURES,
  capabilities,
  defineBackend,
  type Backend,
  type BackendKernels,
  type BackendPlugin,
  type CompiledModel,
  type MemoryModel,
} from '@attnkit/core';
import type { InferenceSession } from 'onnxruntime-node';
import { ScratchPool } from './scratch-pool.js';
import { probeGraph } from './attention-graph.js';
import { runAttention } from './attention-kernel.js';
import { compileEncoder } from './encoder-model.js';
import { loadOrt, resolveOptions, type OnnxBackendOptions, type OrtModule, type ResolvedOptions } from './runtime.js';
import { runResident } from './resident-kernel.js';
import { onnxStore } from './resident-store.js';
import { SessionCache } from './session-cache.js';

/**
 * Every feature of the suite: what the `Attention` operator lacks (window, graph, ALiBi, key padding
 * with causal alignment, masked weights) is computed as an additive bias.
 */
export const onnxCapabilities = capabilities(ALL_FEATURES);

/**
 * Creates the ONNX Runtime backend directly (without a registry).
 *
 * @example
 * ```ts
 * const backend = await createOnnxBackend({ threads: 2 });
 * const { output } = await backend.attention(q, k, v, { causal: true });
 * await backend.dispose(); // releases every session
 * ```
 */
export async function createOnnxBackend(options: OnnxBackendOptions = {}): Promise<Backend> {
  const resolved = resolveOptions(options);
  const { kernels } = onnxKernels(await loadOrt(), resolved);
  return defineBackend(kernels, { maxBytes: resolved.maxBytes });
}

/** The kernels behind {@link createOnnxBackend}, and the session cache they share (for tests). @internal */
export function onnxKernels(
  ort: OrtModule,
  resolved: ResolvedOptions,
): { kernels: BackendKernels; sessions: SessionCache<InferenceSession> } {
  const sessions = new SessionCache<InferenceSession>(resolved.sessionCacheSize);
  const pool = new ScratchPool();
  const threads = resolved.session.intraOpNumThreads;
  const kernels: BackendKernels = {
    name: 'onnx',
    capabilities: onnxCapabilities,
    info: {
      engine: `ONNX Runtime ${ort.env.versions.node ?? ort.env.versions.common}`,
      device: 'cpu',
      threads: threads ?? 'default',
      sessionCacheSize: resolved.sessionCacheSize,
    },
    attention: (p) => runAttention(ort, sessions, resolved.session, p, pool),
    // The attention graph sums the squares of q, k and v on ONNX Runtime's threads; core checks those sums
    // instead of scanning the inputs in JavaScript before every call.
    sumsInputSquares: true,
    memory: onnxMemory,
    compile: (spec, weights): Promise<CompiledModel> => compileEncoder(ort, resolved.session, spec, weights),
    // Resident tensors and caches are ort.Tensors over CPU memory, fed to sessions without copies.
    resident: onnxStore(ort),
    residentAttention: (p) => runResident(ort, sessions, resolved.session, p, pool),
    dispose: () => sessions.dispose(),
  };
  return { kernels, sessions };
}

/**
 * ONNX Runtime's `Attention` kernel materialises the `[B, Hq, Sq, T]` scores and their softmax, and the bias
 * path adds a bias of up to that size.
 */
const onnxMemory: MemoryModel = {
  // Additive relevance: the explicit graph holds q + k and its tanh, [B, Hq, Sq, T, Dk] each.
  scratchBytes: (d) =>
    3 * d.batch * d.qHeads * d.qLength * d.keyLength * 4 +
    (d.additiveRelevance ? 2 * d.batch * d.qHeads * d.qLength * d.keyLength * d.keyDim * 4 : 0),
};

/**
 * The plugin to register. `probe` loads `onnxruntime-node` and opens a one-node session, so a missing
 * or broken native binding (or a browser) is reported with its reason instead of failing later.
 *
 * @example
 * ```ts
 * import { createRegistry } from '@attnkit/core';
 * import { plugin as onnxPlugin } from '@attnkit/backend-onnx';
 * const { backend } = await createRegistry().register(onnxPlugin, { priority: 10 }).select();
 * ```
 */
export const plugin: BackendPlugin<OnnxBackendOptions> = {
  name: 'onnx',
  capabilities: onnxCapabilities,
  async probe() {
    try {
      const ort = await loadOrt();
      const session = await ort.InferenceSession.create(probeGraph(), { logSeverityLevel: 4 });
      await session.release();
      return { available: true, reason: `ONNX Runtime ${ort.env.versions.node ?? ort.env.versions.common} (cpu)` };
    } catch (e) {
      return { available: false, reason: e instanceof Error ? e.message : String(e) };
    }
  },
  create: (options) => createOnnxBackend(options),
};

declare module '@attnkit/core' {
  // This backend's entry: typed `createOptions` and `force`.
  interface BackendOptionsByName {
    /** `select({ createOptions: { onnx: ... } })` takes {@link OnnxBackendOptions}. */
    onnx: OnnxBackendOptions;
  }
}
