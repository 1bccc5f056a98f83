/**
 * attnkit for Node: core plus the backends that suit Node, in this order: ONNX Runtime
 * (`onnxruntime-node`), WebGPU when a real adapter is present (the `webgpu` package), then pure
 * TypeScript.
 *
 * @packageDocumentation
 */
import { plugin as onnx } from '@attnkit/backend-onnx';
import { plugin as ts } from '@attnkit/backend-ts';
import { plugin as webgpu } from '@attnkit/backend-webgpu';
import type { Registry, Selection } from '@attnkit/core';
import { fileCache, nodeDevice } from './calibration-file.js';
import { hardwareWebgpu } from './rank.js';
import { forcedBackend, registryOf, selectFrom, type AttnkitSelectOptions, type PlatformPlugin } from './select.js';

export * from '@attnkit/core';
export * from './platform-exports.js';
export { fileCache, defaultCalibrationPath } from './calibration-file.js';

/** The platform this entry serves. */
export const platform = 'node' as const;

/**
 * WebGPU in Node counts only with a hardware adapter: a fallback (software) adapter is reported as
 * unavailable, since the CPU backends are faster than a software GPU. Forcing `webgpu` still uses it.
 */
const webgpuHardware = hardwareWebgpu(webgpu);

/** Node's default plugins, highest priority first. */
export const defaultPlugins: readonly PlatformPlugin[] = [
  { plugin: onnx, priority: 30, why: 'ONNX Runtime: the fastest engine in Node on CPUs' },
  { plugin: webgpuHardware, priority: 20, why: 'WebGPU through Dawn, when a hardware adapter is present' },
  { plugin: ts, priority: 10, why: 'pure TypeScript: always available' },
];

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
  if (forced === webgpu.name)
    return selectFrom(defaultPlugins, {
      ...options,
      plugins: [...(options.plugins ?? []), { plugin: webgpu, priority: 20 }],
    });
  return selectFrom(defaultPlugins, options, () => ({ device: nodeDevice(), cache: fileCache() }));
}

/** A registry with Node's default plugins, to extend or select from yourself. */
export function defaultRegistry(): Registry {
  return registryOf(defaultPlugins);
}
