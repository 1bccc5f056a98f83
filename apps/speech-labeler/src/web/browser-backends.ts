/**
 * The backends a page can use: WebGPU (when the browser has an adapter), pure TypeScript (always) and
 * TensorFlow.js (WebAssembly, its binaries served from `tfjs/` beside the page). Node-only backends never
 * enter the bundle.
 */
import { createRegistry, type Registry, type SelectOptions } from '@attnkit/core';
import { plugin as tsPlugin } from '@attnkit/backend-ts';
import { plugin as webgpuPlugin } from '@attnkit/backend-webgpu';
import { plugin as tfjsPlugin } from '@attnkit/backend-tfjs';
import type { ModelDtype } from '../pipeline/labeler.js';

/** A registry of the browser backends, WebGPU first, then ts, then tfjs. */
export function createBrowserRegistry(): Registry {
  return createRegistry()
    .register(webgpuPlugin, { priority: 30 })
    .register(tsPlugin, { priority: 20 })
    .register(tfjsPlugin, { priority: 10 });
}

/** Options for `select`: where tfjs finds its WebAssembly files. */
export function browserCreateOptions(base: string): SelectOptions['createOptions'] {
  return { tfjs: { wasmPaths: new URL('tfjs/', base).href } };
}

/** The model's dtype a page address asks for (`?dtype=float16`; default float32). */
export function pageDtype(search: string): ModelDtype {
  const value = new URLSearchParams(search).get('dtype') ?? 'float32';
  if (value !== 'float32' && value !== 'float16')
    throw new Error(`?dtype: expected float32 or float16, got "${value}"`);
  return value;
}
