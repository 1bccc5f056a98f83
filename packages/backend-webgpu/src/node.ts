/**
 * @attnkit/backend-webgpu in Node: the same exports as the browser entry, with the `GPU` object from the
 * `webgpu` package (Dawn). Selected by the `node` export condition of `.`, or imported as
 * `@attnkit/backend-webgpu/node`.
 *
 * @packageDocumentation
 */
/// <reference types="@webgpu/types" preserve="true" />
import type { Backend } from '@attnkit/core';
import { nodeGpuSource } from './node-gpu.js';
import { createWebGpuPlugin, type WebGpuPlugin } from './plugin.js';
import { createBackendWith, type WebGpuBackendOptions } from './webgpu-backend.js';

export * from './index.js';
export { nodeGpu, nodeGpuSourceWith, SWIFTSHADER_ICD, vulkanDriverInstalled } from './node-gpu.js';
export type { NodeGpuOptions } from './node-gpu.js';

/**
 * The plugin to register in Node: probes Dawn (the `webgpu` package) for an adapter, falling back to
 * SwiftShader when no other adapter is found (see the README).
 *
 * @example
 * ```ts
 * import { createRegistry } from '@attnkit/core';
 * import { plugin as webgpu } from '@attnkit/backend-webgpu';
 * const { backend } = await createRegistry().register(webgpu).select();
 * ```
 */
export const plugin: WebGpuPlugin = createWebGpuPlugin(nodeGpuSource);

/**
 * Creates the WebGPU backend directly, on `options.device`, `options.adapter`, `options.gpu`, or Dawn.
 *
 * @example
 * ```ts
 * const backend = await createWebGpuBackend();
 * const { output } = await backend.attention(q, k, v, { window: { left: 64, right: 64 } });
 * ```
 */
export function createWebGpuBackend(options: WebGpuBackendOptions = {}): Promise<Backend> {
  return createBackendWith(nodeGpuSource, options);
}
