/**
 * attnkit for browsers: core plus the backends that suit browsers, in this order: WebGPU
 * (`navigator.gpu`, when a real adapter is present), TensorFlow.js (WebAssembly), then pure
 * TypeScript. Nothing here imports a Node-only module.
 *
 * @packageDocumentation
 */
import { plugin as tfjs } from '@attnkit/backend-tfjs';
import { plugin as ts } from '@attnkit/backend-ts';
import { plugin as webgpu } from '@attnkit/backend-webgpu';
import type { Registry, Selection } from '@attnkit/core';
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

/** The browser's default plugins, highest priority first. */
export const defaultPlugins: readonly PlatformPlugin[] = [
  {
    plugin: hardwareWebgpu(webgpu),
    priority: 30,
    why: 'WebGPU: the GPU, when the browser exposes a hardware adapter (a software one is skipped)',
  },
  {
    plugin: noSlowFallback(tfjs),
    priority: 20,
    why: 'TensorFlow.js on WebAssembly (SIMD), when its .wasm files load (its cpu fallback is skipped)',
  },
  { plugin: ts, priority: 10, why: 'pure TypeScript: always available' },
];

/** The plugins themselves, for a backend forced by name: a forced backend runs whatever it finds. */
const unranked = [webgpu, tfjs];

/**
 * Selects a backend for this machine and says why.
 *
 * @example
 * ```ts
 * import { select, formatReport } from 'attnkit';
 * const { backend, report } = await select({ require: ['causal'] });
 * console.log(formatReport(report));
 * ```
 */
export function select(options: AttnkitSelectOptions = {}): Promise<Selection> {
  const forced = options.force ?? forcedBackend();
  const plain = unranked.find((p) => p.name === forced);
  if (plain)
    return selectFrom(defaultPlugins, {
      ...options,
      plugins: [...(options.plugins ?? []), { plugin: plain, priority: 0 }],
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
