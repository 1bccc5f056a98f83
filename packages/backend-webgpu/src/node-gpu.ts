/**
 * The `GPU` object in Node, from the `webgpu` package (Dawn). Imported only by the Node entry, so browser
 * bundles never see it.
 *
 * Without a GPU, Dawn needs a software Vulkan driver. When no adapter is found, `VK_ICD_FILENAMES` and
 * `VK_DRIVER_FILES` are unset and Debian's chromium package has installed SwiftShader's driver at
 * {@link SWIFTSHADER_ICD}, this points the Vulkan loader at it and tries once more. Real GPUs are always
 * tried first.
 */
import { existsSync } from 'node:fs';
import { GpuUnavailableError, type GpuSource } from './gpu-source.js';

/** SwiftShader's Vulkan driver manifest as Debian's chromium package installs it. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Options of {@link nodeGpu}. */
export interface NodeGpuOptions {
  /** Dawn options passed to `create` (e.g. `backend=vulkan`, `enable-dawn-features=...`). */
  readonly flags?: readonly string[];
}

type WebGpuModule = { create(flags: string[]): GPU };

async function loadDawn(): Promise<WebGpuModule> {
  try {
    return (await import('webgpu')) as unknown as WebGpuModule;
  } catch (e) {
    throw new GpuUnavailableError(
      `the optional peer dependency "webgpu" (Dawn for Node) could not be loaded (${(e as Error)?.message ?? String(e)}); install it with: npm install webgpu`,
    );
  }
}

/**
 * A `GPU` object for Node.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, nodeGpu } from '@attnkit/backend-webgpu/node';
 * const backend = await createWebGpuBackend({ gpu: await nodeGpu() });
 * ```
 */
export async function nodeGpu(options: NodeGpuOptions = {}): Promise<GPU> {
  const dawn = await loadDawn();
  const flags = [...(options.flags ?? [])];
  const gpu = dawn.create(flags);
  if (await gpu.requestAdapter()) return gpu;
  const env = process.env;
  if (process.platform === 'linux' && !env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const software = dawn.create(flags);
    if (await software.requestAdapter()) return software;
  }
  return gpu;
}

/** The default source in Node. */
export const nodeGpuSource: GpuSource = () => nodeGpu();
