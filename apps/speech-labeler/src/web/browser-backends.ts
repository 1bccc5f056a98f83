/**
 * The backends a page can use: pure TypeScript (always) and WebGPU (when the browser has an adapter).
 * Node-only backends never enter the bundle.
 */
import { createRegistry, type Registry } from '@attnkit/core';
import { plugin as tsPlugin } from '@attnkit/backend-ts';
import { plugin as webgpuPlugin } from '@attnkit/backend-webgpu';

/** A registry of the browser backends, WebGPU first. */
export function createBrowserRegistry(): Registry {
  return createRegistry().register(webgpuPlugin, { priority: 20 }).register(tsPlugin, { priority: 10 });
}
