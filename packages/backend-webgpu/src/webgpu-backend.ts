/**
 * The WebGPU backend: kernels on one device, wrapped by core's `defineBackend`.
 */
import { deviceDescriptor } from './device-descriptor.js';
import {
  ALL_FEATURES,
  BackendError,
  capabilities,
  defaultMaxBytes,
  defineBackend,
  inputBytes,
  UnsupportedError,
  type Backend,
  type Capabilities,
  type KVCacheOptions,
} from '@attnkit/core';
import { runAttention, runResidentAttention } from './attention-run.js';
import { gpuResidentStore } from './gpu-resident.js';
import { GpuContext } from './gpu-context.js';
import {
  describeAdapter,
  NO_ADAPTER_HINT,
  summarizeAdapter,
  summarizeDevice,
  type AdapterSummary,
  type GpuSource,
} from './gpu-source.js';
import { compileModel } from './model.js';
import { fusedShape, type AttentionKernelChoice, type SubgroupChoice } from './variants.js';
import { float16Path, type Float16Choice } from './wgsl-float16.js';

/** Options of {@link createWebGpuBackend}. */
export interface WebGpuBackendOptions {
  /** The `GPU` object to ask for an adapter (default: the platform's, see the package README). */
  readonly gpu?: GPU;
  /** An adapter to request the device from (it must not have been used for a device yet). */
  readonly adapter?: GPUAdapter;
  /** A device to run on; the backend then never destroys it. */
  readonly device?: GPUDevice;
  /** Passed to `requestAdapter`. */
  readonly powerPreference?: GPUPowerPreference;
  /** Attention kernel: `auto` (default: fused, three-pass when weights are requested), or forced. */
  readonly kernel?: AttentionKernelChoice;
  /**
   * Subgroup lanes in the fused kernel: `'auto'` (default) on hardware adapters that have the feature,
   * `true` whenever the adapter has it, `false` never. The feature is requested unless `false`.
   */
  readonly subgroups?: SubgroupChoice;
  /**
   * How float16 tensors are stored in the kernels: `'auto'` (default) binds them as WGSL `array<f16>` where
   * the device has the `shader-f16` feature (requested whenever the adapter offers it) and packs halves two
   * to a `u32` elsewhere; `'packed'` packs them everywhere. Arithmetic is float32 on both roads, and both
   * round a float16 result the same way; `backend.info.float16` says which road is taken.
   */
  readonly float16?: Float16Choice;
  /** Wrap every submission in validation and out-of-memory error scopes and fail on any error (default true). */
  readonly checkErrors?: boolean;
  /** Bind at most this many bytes per storage buffer (default: the device's limit); larger work is split. */
  readonly maxBindingSize?: number;
  /** The most one call may allocate, in bytes (see `BackendSettings` in `@attnkit/core`). */
  readonly maxBytes?: number;
}

/** Every feature of the suite: the kernels implement all of them. */
export const webGpuCapabilities: Capabilities = capabilities(ALL_FEATURES);

/** Creates the backend on the platform's GPU, or on the given gpu, adapter or device. */
export async function createBackendWith(source: GpuSource, options: WebGpuBackendOptions = {}): Promise<Backend> {
  let device = options.device;
  let summary: AdapterSummary;
  let subgroupMinSize: number | undefined;
  const keepAlive: unknown[] = [];
  if (!device) {
    let adapter = options.adapter;
    if (!adapter) {
      const gpu =
        options.gpu ??
        (await source().catch((e: Error) => {
          throw new BackendError('webgpu', e.message, e);
        }));
      adapter =
        (await gpu.requestAdapter(
          options.powerPreference ? { powerPreference: options.powerPreference } : undefined,
        )) ?? undefined;
      if (!adapter) throw new BackendError('webgpu', NO_ADAPTER_HINT);
      keepAlive.push(gpu);
    }
    keepAlive.push(adapter);
    summary = summarizeAdapter(adapter);
    subgroupMinSize = summary.subgroups?.[0];
    try {
      device = await adapter.requestDevice(
        deviceDescriptor(adapter, options.subgroups !== false && Boolean(summary.subgroups)),
      );
    } catch (e) {
      throw new BackendError('webgpu', `requestDevice failed: ${(e as Error)?.message ?? String(e)}`, e);
    }
  } else {
    summary = summarizeDevice(device);
    subgroupMinSize = summary.subgroups?.[0];
  }
  const ctx = new GpuContext(device, {
    ownsDevice: !options.device,
    keepAlive,
    ...(options.checkErrors !== undefined ? { checkErrors: options.checkErrors } : {}),
    ...(options.maxBindingSize !== undefined ? { maxBindingSize: options.maxBindingSize } : {}),
    ...(subgroupMinSize !== undefined ? { subgroupMinSize } : {}),
    software: summary.fallback,
  });
  const run = {
    kernel: options.kernel ?? 'auto',
    subgroups: options.subgroups ?? 'auto',
    float16: float16Path(ctx.profile.shaderF16, options.float16),
  } as const;
  const tile = fusedShape(ctx.profile, 64, 64, 2, run.subgroups);
  const info: Record<string, string | number | boolean> = {
    engine: 'WebGPU',
    adapter: describeAdapter(summary),
    fallbackAdapter: summary.fallback,
    fusedTileAtD64: tile ? `${tile.tq} rows × ${tile.lanes} lanes, ${tile.tk} keys per tile` : 'three-pass only',
    kernel: run.kernel,
    float16: run.float16,
    maxBindingBytes: ctx.profile.maxBinding,
  };
  const store = gpuResidentStore(ctx);
  const backend = defineBackend(
    {
      name: 'webgpu',
      // The device's binding size limits one key/value head's arrays: core refuses larger calls before they run.
      capabilities: { ...webGpuCapabilities, maxBindingBytes: ctx.profile.maxBinding },
      info,
      attention: (p) => runAttention(ctx, p, run),
      compile: async (spec, weights, progress) => compileModel(ctx, spec, weights, run, progress),
      // Resident tensors and caches are GPUBuffers; calls on them bind them in place.
      resident: store,
      residentAttention: (p) => runResidentAttention(ctx, store, p, run),
      // Device copies of q, k and v, read back through a staging buffer of the output's size.
      memory: {
        // Additive relevance runs the three-pass kernels: their [Sq, T] scores per head live on the device too.
        scratchBytes: (d) =>
          inputBytes(d) +
          4 * d.batch * d.qHeads * d.qLength * d.valueDim +
          (d.additiveRelevance ? 4 * d.batch * d.qHeads * d.qLength * d.keyLength : 0),
      },
      dispose: () => {
        store.destroyAll();
        ctx.destroy();
      },
    },
    { maxBytes: options.maxBytes },
  );
  return {
    ...backend,
    async createCache(o: KVCacheOptions) {
      expectCacheBinds(o, ctx.profile.maxBinding, options.maxBytes);
      return backend.createCache(o);
    },
  };
}

/**
 * Refuses a cache whose heads the kernels could never bind: every call binds one key/value head's whole
 * storage (`capacity × D` float32), which must fit one storage binding. What core refuses anyway (options
 * of the wrong type, a cache beyond the memory limit) is left for core, so its errors come first.
 */
function expectCacheBinds(o: KVCacheOptions, limit: number, backendMax: number | undefined): void {
  if (o === null || typeof o !== 'object') return;
  const { capacity, keyDim, batch = 1, kvHeads } = o;
  const valueDim = o.valueDim ?? keyDim;
  if (![capacity, keyDim, valueDim, batch, kvHeads].every((x) => Number.isInteger(x) && x > 0)) return;
  const maxBytes = typeof o.maxBytes === 'number' && o.maxBytes > 0 ? o.maxBytes : backendMax;
  if (batch * kvHeads * capacity * (keyDim + valueDim) * 4 > (maxBytes ?? defaultMaxBytes())) return;
  const D = Math.max(keyDim, valueDim);
  if (capacity * D * 4 > limit)
    throw new UnsupportedError(
      `createCache: one key/value head of capacity ${capacity} × D ${D} float32 needs ${capacity * D * 4} bytes in one storage binding, more than this device binds at once (${limit}); the most this backend can hold per head is capacity ${Math.floor(limit / (4 * D))}`,
      'options.capacity',
    );
}

declare module '@attnkit/core' {
  // This backend's entry: typed `createOptions` and `force`.
  interface BackendOptionsByName {
    /** `select({ createOptions: { webgpu: ... } })` takes {@link WebGpuBackendOptions}. */
    webgpu: WebGpuBackendOptions;
  }
}
