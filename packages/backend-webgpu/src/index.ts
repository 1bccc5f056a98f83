/**
 * @attnkit/backend-webgpu: attention and transformer encoders in WGSL on WebGPU.
 *
 * This is the browser (and default) entry: the `GPU` object is `navigator.gpu`. In Node the `node`
 * export condition selects `./node.ts` instead, with the same exports and Dawn from the `webgpu` package.
 *
 * @packageDocumentation
 */
// No reference to @webgpu/types here: browsers' TypeScript `lib.dom` declares WebGPU (TypeScript 7), and a
// second declaration of the same globals would clash. The Node entry (node.ts) references @webgpu/types.
import type { Backend } from '@attnkit/core';
import { navigatorGpu } from './gpu-source.js';
import { createWebGpuPlugin, type WebGpuPlugin } from './plugin.js';
import { createBackendWith, type WebGpuBackendOptions } from './webgpu-backend.js';

export { createWebGpuPlugin } from './plugin.js';
export type { WebGpuPlugin, WebGpuProbeResult } from './plugin.js';
export { webGpuCapabilities } from './webgpu-backend.js';
export type { WebGpuBackendOptions } from './webgpu-backend.js';
export { GpuUnavailableError, navigatorGpu, summarizeAdapter, describeAdapter } from './gpu-source.js';
export type { GpuSource, AdapterSummary } from './gpu-source.js';
export type { AttentionKernelChoice, SubgroupChoice } from './variants.js';
export type { Float16Choice, Float16Path } from './wgsl-float16.js';

/**
 * The plugin to register: probes `navigator.gpu` for an adapter.
 *
 * @example
 * ```ts
 * import { createRegistry } from '@attnkit/core';
 * import { plugin as webgpu } from '@attnkit/backend-webgpu';
 * const { backend } = await createRegistry().register(webgpu).select();
 * ```
 */
export const plugin: WebGpuPlugin = createWebGpuPlugin(navigatorGpu);

/**
 * Creates the WebGPU backend directly, on `options.device`, `options.adapter`, `options.gpu`, or
 * `navigator.gpu`.
 *
 * @example
 * ```ts
 * const backend = await createWebGpuBackend({ gpu: navigator.gpu });
 * const { output } = await backend.attention(q, k, v, { causal: true });
 * ```
 */
export function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<Backend> {
  return createBackendWith(navigatorGpu, options);
}
