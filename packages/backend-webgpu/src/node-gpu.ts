/**
 * The `GPU` object in Node, from the `webgpu` package (Dawn). Imported only by the Node entry, so browser
 * bundles never see it.
 *
 * Without a GPU, Dawn needs a software Vulkan driver. When no adapter is found, `VK_ICD_FILENAMES` and
 * `VK_DRIVER_FILES` are unset and Debian's chromium package has installed SwiftShader's driver at
 * {@link SWIFTSHADER_ICD}, this points the Vulkan loader at it and tries once more. Real GPUs are always
 * tried first.
 */
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { GpuUnavailableError, type GpuSource } from './gpu-source.js';

/** SwiftShader's Vulkan driver manifest as Debian's chromium package installs it. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/** Options of {@link nodeGpu}. */
export interface NodeGpuOptions {
  /** Dawn options passed to `create` (e.g. `backend=vulkan`, `enable-dawn-features=...`). */
  readonly flags?: readonly string[];
  /**
   * Let Dawn and the Vulkan loader print their warnings. Off by default (also turned on by the
   * environment variable `ATTNKIT_VERBOSE=1`): on Linux, where no Vulkan driver manifest is installed at
   * all, the hardware attempt (which can only fail, with warnings on stderr) is skipped.
   */
  readonly verbose?: boolean;
}

/** Where the Vulkan loader looks for driver manifests on Linux (besides the environment's overrides). */
function vulkanDriverDirs(): string[] {
  const env = process.env;
  const config = (env.XDG_CONFIG_DIRS || '/etc/xdg').split(':');
  const data = (env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':');
  return [
    ...config.map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    ...data.map((d) => join(d, 'vulkan/icd.d')),
    join(env.XDG_DATA_HOME || join(homedir(), '.local/share'), 'vulkan/icd.d'),
  ];
}

/** Whether any Vulkan driver could be found here (Linux): an override, or a manifest in a loader directory. */
export function vulkanDriverInstalled(): boolean {
  const env = process.env;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return true;
  return vulkanDriverDirs().some((d) => {
    try {
      return readdirSync(d).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

/** Whether native warnings are wanted: `options.verbose`, else `ATTNKIT_VERBOSE`. */
function wantVerbose(verbose: boolean | undefined): boolean {
  if (verbose !== undefined) return verbose;
  const v = process.env.ATTNKIT_VERBOSE?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
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
 * Every `GPU` object this module has made, kept for the life of the process, and the requests for them by
 * their options. Dawn tears an instance down when its `GPU` object is garbage-collected, and one collected
 * while another instance was in use crashed the process (a segmentation fault in the instance's event
 * processing) now and then; a browser's `navigator.gpu` is one object for the page's life as well.
 */
const made: GPU[] = [];
const requests = new Map<string, Promise<GPU>>();

/**
 * A `GPU` object for Node: one per set of options for the life of the process (the first call makes it,
 * later calls with the same options get the same object), as `navigator.gpu` is one per page. A request
 * that failed is not kept: the next call tries again.
 *
 * @example
 * ```ts
 * import { createWebGpuBackend, nodeGpu } from '@attnkit/backend-webgpu/node';
 * const backend = await createWebGpuBackend({ gpu: await nodeGpu() });
 * ```
 */
export function nodeGpu(options: NodeGpuOptions = {}): Promise<GPU> {
  const key = JSON.stringify([options.flags ?? [], wantVerbose(options.verbose)]);
  let request = requests.get(key);
  if (!request) {
    request = findGpu(options);
    requests.set(key, request);
    request.catch(() => requests.delete(key));
  }
  return request;
}

async function findGpu(options: NodeGpuOptions): Promise<GPU> {
  const dawn = await loadDawn();
  const create = (flags: string[]): GPU => {
    const gpu = dawn.create(flags);
    made.push(gpu);
    return gpu;
  };
  const flags = [...(options.flags ?? [])];
  const env = process.env;
  const linux = process.platform === 'linux';
  // Without any Vulkan driver, Dawn's attempt fails and prints warnings: skip it unless asked to be verbose.
  const hardware = !linux || wantVerbose(options.verbose) || vulkanDriverInstalled();
  const gpu = hardware ? create(flags) : undefined;
  if (gpu && (await gpu.requestAdapter())) return gpu;
  if (linux && !env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const software = create(flags);
    if (await software.requestAdapter()) return software;
  }
  if (gpu) return gpu;
  throw new GpuUnavailableError(
    `no Vulkan driver is installed (no manifest in ${vulkanDriverDirs().join(', ')}, no VK_ICD_FILENAMES); install your GPU's Vulkan driver, or Chromium for its software driver (SwiftShader); ATTNKIT_VERBOSE=1 lets Dawn try anyway`,
  );
}

/** The default source in Node. */
export const nodeGpuSource: GpuSource = () => nodeGpu();

/** A source in Node with these options (e.g. `{ verbose: true }`). */
export function nodeGpuSourceWith(options: NodeGpuOptions): GpuSource {
  return () => nodeGpu(options);
}
