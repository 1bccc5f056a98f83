/**
 * The plugin: a probe that asks for a real adapter, and `create`.
 */
import type { Backend, BackendPlugin, ProbeResult } from '@attnkit/core';
import {
  describeAdapter,
  NO_ADAPTER_HINT,
  summarizeAdapter,
  type AdapterSummary,
  type GpuSource,
} from './gpu-source.js';
import { createBackendWith, webGpuCapabilities, type WebGpuBackendOptions } from './webgpu-backend.js';

/** The probe's result: with the adapter's name and whether it is a fallback adapter when there is one. */
export interface WebGpuProbeResult extends ProbeResult {
  /** The adapter found (present when `available`); `reason` holds the same facts as one line. */
  readonly adapter?: AdapterSummary;
}

/** A WebGPU plugin whose `GPU` comes from `source`. */
export interface WebGpuPlugin extends BackendPlugin<WebGpuBackendOptions> {
  probe(): Promise<WebGpuProbeResult>;
  /** Starts the backend on an adapter from the plugin's source (see {@link WebGpuBackendOptions}). */
  create(options?: WebGpuBackendOptions): Promise<Backend>;
}

/**
 * Builds the plugin for a `GPU` source (the package's entries do this with the platform's source).
 *
 * @example
 * ```ts
 * const plugin = createWebGpuPlugin(async () => myGpu);
 * ```
 */
export function createWebGpuPlugin(source: GpuSource): WebGpuPlugin {
  return {
    name: 'webgpu',
    capabilities: webGpuCapabilities,
    async probe() {
      let adapter: GPUAdapter | null;
      try {
        adapter = await (await source()).requestAdapter();
      } catch (e) {
        return { available: false, reason: (e as Error)?.message ?? String(e) };
      }
      if (!adapter) return { available: false, reason: NO_ADAPTER_HINT };
      const summary = summarizeAdapter(adapter);
      return { available: true, reason: describeAdapter(summary), adapter: summary };
    },
    create: (options) => createBackendWith(source, options),
  };
}
