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
import { hardwareWebgpu, noSlowFallback } from './rank.js';
import { storageCache, type KeyValueStorage } from './calibrate.js';
import {
  forcedBackend,
  registryOf,
  selectFrom,
  type AttnkitSelectOptions,
  type PlatformCalibration,
  type PlatformPlugin,
} from './select.js';

export * from '@attnkit/core';
export * from './platform-exports.js';

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
    plugin: hardwareWebgpu(optionalPlugin(webgpuPackage)),
    priority: 30,
    why: 'WebGPU: the GPU, when the browser exposes a hardware adapter (a software one is skipped)',
    devices: ['gpu'],
    runsOn: webgpuRunsOn,
  },
  {
    plugin: noSlowFallback(optionalPlugin(tfjsBackend)),
    priority: 20,
    why: 'TensorFlow.js on WebAssembly (SIMD), when its .wasm files load (its cpu fallback is skipped)',
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
export function select(options: AttnkitSelectOptions = {}): Promise<Selection> {
  const forced = options.force ?? forcedBackend();
  const plain = forced === 'webgpu' || forced === 'tfjs' ? optionalBackends.find((b) => b.name === forced) : undefined;
  if (plain)
    return selectFrom(defaultPlugins, {
      ...options,
      plugins: [...(options.plugins ?? []), { plugin: optionalPlugin(plain), priority: 0 }],
    });
  return selectFrom(defaultPlugins, options, browserCalibration);
}

/** The browser's device (user agent and cores) and its localStorage, where there is one. */
function browserCalibration(): PlatformCalibration {
  const nav = (globalThis as { navigator?: { userAgent?: string; hardwareConcurrency?: number } }).navigator;
  let storage: KeyValueStorage | undefined;
  try {
    storage = (globalThis as { localStorage?: KeyValueStorage }).localStorage;
  } catch {
    storage = undefined; // access denied (sandboxed frames, some privacy settings)
  }
  return {
    device: `${nav?.userAgent ?? 'browser'}|${nav?.hardwareConcurrency ?? 1} threads`,
    ...(storage ? { cache: storageCache(storage) } : {}),
  };
}

/** A registry with the browser's default plugins, to extend or select from yourself. */
export function defaultRegistry(): Registry {
  return registryOf(defaultPlugins);
}
