/**
 * The backends this app can run on in Node: every attnkit backend package that is installed, in order
 * of speed. A package that is missing or fails to load shows up in the selection report as unavailable.
 */
import { createRegistry, type BackendPlugin, type Registry } from '@attnkit/core';
import { plugin as tsPlugin } from '@attnkit/backend-ts';

/** Candidate backend packages, fastest first (priority = higher is tried first). */
export const NODE_BACKENDS: readonly { readonly name: string; readonly pkg: string; readonly priority: number }[] = [
  { name: 'onnx', pkg: '@attnkit/backend-onnx', priority: 40 },
  { name: 'tfjs', pkg: '@attnkit/backend-tfjs', priority: 30 },
  { name: 'ts', pkg: '@attnkit/backend-ts', priority: 20 },
  // The Node entry (Dawn from the `webgpu` package, SwiftShader without a GPU).
  { name: 'webgpu', pkg: '@attnkit/backend-webgpu/node', priority: 10 },
];

/** A plugin that reports why its package could not be loaded. */
function missing(name: string, why: string): BackendPlugin {
  return {
    name,
    probe: async () => ({ available: false, reason: why }),
    create: async () => {
      throw new Error(why);
    },
  };
}

async function load(name: string, pkg: string): Promise<BackendPlugin> {
  if (pkg === '@attnkit/backend-ts') return tsPlugin;
  try {
    const mod = (await import(pkg)) as { plugin?: BackendPlugin };
    if (!mod.plugin) return missing(name, `${pkg} exports no plugin`);
    return mod.plugin;
  } catch (e) {
    return missing(name, `${pkg} is not installed or failed to load: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * A registry of every backend package (installed or not, with its reason), highest priority first.
 * Plugins keep their own names (`plugin.name`); select one with `registry.select({ force: name })`.
 */
export async function createNodeRegistry(): Promise<Registry> {
  const registry = createRegistry();
  const plugins = await Promise.all(NODE_BACKENDS.map((b) => load(b.name, b.pkg)));
  NODE_BACKENDS.forEach((b, i) => registry.register(plugins[i]!, { priority: b.priority }));
  return registry;
}
