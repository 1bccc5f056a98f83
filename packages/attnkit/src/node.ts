/**
 * attnkit for Node: core plus the backends that suit Node, in this order: ONNX Runtime
 * (`@attnkit/backend-onnx`), WebGPU when a real adapter is present (`@attnkit/backend-webgpu` with the
 * `webgpu` package), pure TypeScript (`@attnkit/backend-ts`, always installed), then TensorFlow.js
 * (`@attnkit/backend-tfjs`). All but `backend-ts` are optional peers: each is used when installed, and
 * the selection report says how to install the missing ones.
 *
 * @packageDocumentation
 */
import { plugin as ts } from '@attnkit/backend-ts';
import type { BackendPlugin, Registry, Selection } from '@attnkit/core';
import { fileCache, nodeDevice } from './calibration-file.js';
import { tfjsRunsOn, tsRunsOn, webgpuRunsOn } from './devices.js';
import { optionalPlugin, tfjsBackend, type OptionalBackend } from './optional.js';
import { hardwareWebgpu } from './rank.js';
import { forcedBackend, registryOf, selectFrom, type AttnkitSelectOptions, type PlatformPlugin } from './select.js';

export * from '@attnkit/core';
export * from './platform-exports.js';
export { fileCache, defaultCalibrationPath } from './calibration-file.js';

/** The platform this entry serves. */
export const platform = 'node' as const;

/** The optional backends in Node: their packages and install commands. */
export const optionalBackends: readonly OptionalBackend[] = [
  {
    name: 'onnx',
    package: '@attnkit/backend-onnx',
    install: 'npm i @attnkit/backend-onnx onnxruntime-node',
    load: async () => (await import('@attnkit/backend-onnx')).plugin as BackendPlugin,
  },
  {
    name: 'webgpu',
    package: '@attnkit/backend-webgpu',
    install: 'npm i @attnkit/backend-webgpu webgpu',
    load: async () => (await import('@attnkit/backend-webgpu/node')).plugin as BackendPlugin,
  },
  tfjsBackend,
];

function optional(name: string, verbose: boolean): BackendPlugin {
  const backend = optionalBackends.find((b) => b.name === name)!;
  if (name !== 'webgpu' || !verbose) return optionalPlugin(backend);
  return optionalPlugin({
    ...backend,
    load: async () => {
      const m = await import('@attnkit/backend-webgpu/node');
      return m.createWebGpuPlugin(m.nodeGpuSourceWith({ verbose: true })) as BackendPlugin;
    },
  });
}

/*
 * WebGPU in Node counts only with a hardware adapter (`hardwareWebgpu`): a fallback (software) adapter is
 * reported as unavailable, since the CPU backends are faster than a software GPU. Forcing `webgpu` still
 * uses it.
 */
function nodePlugins(verbose: boolean): PlatformPlugin[] {
  return [
    {
      plugin: optional('onnx', verbose),
      priority: 30,
      why: 'ONNX Runtime: the fastest engine in Node on CPUs',
      devices: ['cpu'],
    },
    {
      plugin: hardwareWebgpu(optional('webgpu', verbose)),
      priority: 20,
      why: 'WebGPU through Dawn, when a hardware adapter is present',
      devices: ['gpu'],
      runsOn: webgpuRunsOn,
    },
    {
      plugin: ts,
      priority: 10,
      why: 'pure TypeScript with WebAssembly SIMD kernels: always available',
      devices: ['cpu', 'wasm'],
      runsOn: tsRunsOn,
    },
    {
      plugin: optional('tfjs', verbose),
      priority: 5,
      why: 'TensorFlow.js on WebAssembly: slower than ts in Node, but trains models (createTrainer)',
      devices: ['cpu', 'wasm'],
      runsOn: tfjsRunsOn,
    },
  ];
}

/** Node's default plugins, highest priority first. */
export const defaultPlugins: readonly PlatformPlugin[] = nodePlugins(false);

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
  const verbose = options.verbose ?? false;
  const plugins = verbose ? nodePlugins(true) : defaultPlugins;
  const forced = options.force ?? forcedBackend();
  if (forced === 'webgpu')
    return selectFrom(plugins, {
      ...options,
      plugins: [...(options.plugins ?? []), { plugin: optional('webgpu', verbose), priority: 20 }],
    });
  return selectFrom(plugins, options, () => ({ device: nodeDevice(), cache: fileCache() }));
}

/** A registry with Node's default plugins, to extend or select from yourself. */
export function defaultRegistry(): Registry {
  return registryOf(defaultPlugins);
}
