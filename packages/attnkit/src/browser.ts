/**
 * attnkit for browsers: core plus the backends that suit browsers, in this order: WebGPU
 * (`@attnkit/backend-webgpu` on `navigator.gpu`, when a real adapter is present), TensorFlow.js on
 * WebAssembly (`@attnkit/backend-tfjs`), then pure TypeScript (`@attnkit/backend-ts`, always installed).
 * WebGPU and TensorFlow.js are optional peers: a bundler includes them when they are installed, and the
 * selection report says how to install the missing ones. Nothing here imports a Node-only module.
 *
 * @packageDocumentation
 */
import { plugin as ts } from '@attnkit/backend-ts';
import type { BackendPlugin, Registry, Selection } from '@attnkit/core';
import { tfjsRunsOn, tsRunsOn, webgpuRunsOn } from './devices.js';
import { optionalPlugin, tfjsBackend, type OptionalBackend } from './optional.js';
import { registryOf, selectFrom, type AttnkitSelectOptions, type PlatformPlugin } from './select.js';

export * from '@attnkit/core';
export { forcedBackend } from './select.js';
export type { AttnkitSelectOptions, Device, PlatformPlugin } from './select.js';
export type { OptionalBackend } from './optional.js';
// Re-exported from backend-ts, which also loads its entry of core's BackendOptionsByName for every user
// (`createOptions.ts` typed).
export type { TsBackendOptions } from '@attnkit/backend-ts';

/** The platform this entry serves. */
export const platform = 'browser' as const;

/** The optional backends in browsers: their packages and install commands. */
export const optionalBackends: readonly OptionalBackend[] = [
  {
    name: 'webgpu',
    package: '@attnkit/backend-webgpu',
    install: 'npm i @attnkit/backend-webgpu',
    load: async () => (await import('@attnkit/backend-webgpu')).plugin as BackendPlugin,
  },
  tfjsBackend,
];

const [webgpuPackage] = optionalBackends as [OptionalBackend];

/** The browser's default plugins, highest priority first. */
export const defaultPlugins: readonly PlatformPlugin[] = [
  {
    plugin: optionalPlugin(webgpuPackage),
    priority: 30,
    why: 'WebGPU: the GPU, when the browser exposes a real adapter',
    devices: ['gpu'],
    runsOn: webgpuRunsOn,
  },
  {
    plugin: optionalPlugin(tfjsBackend),
    priority: 20,
    why: 'TensorFlow.js on WebAssembly (SIMD)',
    devices: ['cpu', 'wasm'],
    runsOn: tfjsRunsOn,
  },
  { plugin: ts, priority: 10, why: 'pure TypeScript: always available', devices: ['cpu', 'wasm'], runsOn: tsRunsOn },
];

/**
 * Selects a backend for this machine and says why.
 *
 * @example
 * ```ts
 * import { select, formatReport } from 'attnkit';
 * const { backend, report } = await select({ require: ['causal'] });
 * console.log(formatReport(report));
 * await backend.dispose();
 * ```
 */
export function select(options?: AttnkitSelectOptions): Promise<Selection> {
  return selectFrom(defaultPlugins, options);
}

/** A registry with the browser's default plugins, to extend or select from yourself. */
export function defaultRegistry(): Registry {
  return registryOf(defaultPlugins);
}
