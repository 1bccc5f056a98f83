/**
 * Backend selection for the platform's default plugins.
 */
import {
  AttnkitError,
  createRegistry,
  NoBackendError,
  type Backend,
  type BackendName,
  type BackendPlugin,
  type Registry,
  type Selection,
  type SelectionEntry,
  type SelectOptions,
} from '@attnkit/core';
import { calibratedSelect, type CalibrateOptions, type CalibrationCache } from './calibrate.js';

/**
 * Where a backend computes: `gpu` (WebGPU on a hardware adapter), `wasm` (WebAssembly kernels on the
 * CPU) or `cpu` (anything on the CPU: native ONNX Runtime, WebAssembly or plain JavaScript).
 */
export type Device = 'gpu' | 'cpu' | 'wasm';

const DEVICES: readonly Device[] = ['gpu', 'cpu', 'wasm'];

/** A plugin with its default priority on a platform. */
export interface PlatformPlugin {
  /** The backend's plugin. */
  readonly plugin: BackendPlugin;
  /** Its rank among the defaults, higher first (Node: onnx 30, webgpu 20, ts 10, tfjs 5). */
  readonly priority: number;
  /** Why it has this rank, shown by `attnkit doctor`. */
  readonly why: string;
  /** The devices it can run on (what `select({ device })` looks at before starting it). */
  readonly devices: readonly Device[];
  /** The devices a started backend does run on, read from its `info` (e.g. without SIMD, no `wasm`). */
  readonly runsOn?: (info: Backend['info']) => readonly Device[];
}

/** Options of {@link select}. */
export interface AttnkitSelectOptions extends SelectOptions {
  /**
   * Backend to force by name. Defaults to the `ATTNKIT_BACKEND` environment variable where there is one
   * (Node); an explicit `force` wins over it.
   */
  readonly force?: BackendName;
  /**
   * Only backends that compute on this device: `gpu` (WebGPU on a hardware adapter; a software adapter
   * does not count), `wasm` (WebAssembly kernels), `cpu` (any CPU backend). Each candidate is checked
   * once started, so the report says what it really runs on; the others are reported `not-preferred`.
   */
  readonly device?: Device;
  /** Let native engines print their diagnostics while probing (Dawn's Vulkan warnings); also `ATTNKIT_VERBOSE=1`. */
  readonly verbose?: boolean;
  /** Plugins to add to (or replace in) the platform's defaults. */
  readonly plugins?: readonly {
    /** A backend's plugin; one with a default's name replaces that default. */
    readonly plugin: BackendPlugin;
    /** Its rank: higher is tried first (the defaults use 5 to 30). */
    readonly priority: number;
  }[];
  /**
   * Time each available, capable backend on this call shape (at most 200 ms in all) and pick the fastest,
   * instead of the fixed priorities; the choice is cached per device and shape class (localStorage in
   * browsers, a file in Node) and the timings are in the report and in `calibration`. `true` times
   * B1 H8 S512 D64. Ignored when a backend is forced or preferred.
   */
  readonly calibrate?: boolean | CalibrateOptions;
}

/** How a platform identifies its device and keeps calibrations. */
export interface PlatformCalibration {
  readonly device: string;
  readonly cache?: CalibrationCache;
}

/** The environment's forced backend, if any (`ATTNKIT_BACKEND`). */
export function forcedBackend(): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const v = env?.ATTNKIT_BACKEND?.trim();
  return v ? v : undefined;
}

/** A registry holding `defaults` (and `extra`). */
export function registryOf(defaults: readonly PlatformPlugin[], extra: AttnkitSelectOptions['plugins'] = []): Registry {
  const r = createRegistry();
  for (const { plugin, priority } of defaults) r.register(plugin, { priority });
  for (const { plugin, priority } of extra) r.register(plugin, { priority });
  return r;
}

/** `p`'s plugin, refusing to start where the started backend does not run on `device`. */
function onDevice(p: PlatformPlugin, device: Device): BackendPlugin {
  const runsOn = p.runsOn;
  if (!runsOn) return p.plugin;
  return {
    ...p.plugin,
    name: p.plugin.name,
    probe: () => p.plugin.probe(),
    async create(options) {
      const backend = await p.plugin.create(options);
      const on = runsOn(backend.info);
      if (on.includes(device)) return backend;
      const detail = Object.entries(backend.info)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ');
      await backend.dispose().catch(() => undefined);
      throw new Error(`runs on ${on.join(' and ') || 'no known device'} here, not ${device} (${detail})`);
    },
  };
}

/** Selects from `defaults` honouring `ATTNKIT_BACKEND` and the `device` preset. */
export async function selectFrom(
  defaults: readonly PlatformPlugin[],
  options: AttnkitSelectOptions = {},
  platform?: () => PlatformCalibration,
): Promise<Selection> {
  const force = options.force ?? forcedBackend();
  const { plugins, device, verbose: _verbose, calibrate, ...rest } = options;
  if (device === undefined) {
    const registry = registryOf(defaults, plugins);
    if (calibrate && !force && !rest.prefer?.length && platform) {
      const { device: where, cache } = platform();
      return calibratedSelect(registry, rest, calibrate === true ? {} : calibrate, where, cache);
    }
    return registry.select({ ...rest, ...(force ? { force } : {}) });
  }
  if (!DEVICES.includes(device))
    throw new AttnkitError(
      'ERR_OPTION',
      `select: device must be one of ${DEVICES.join(', ')}; got ${String(device)}`,
      'device',
    );
  const fits = defaults.filter((p) => p.devices.includes(device));
  const skipped: SelectionEntry[] = defaults
    .filter((p) => !p.devices.includes(device))
    .map((p) => ({
      name: p.plugin.name,
      priority: p.priority,
      status: 'not-preferred',
      reason: `runs on ${p.devices.join(' and ')}, not ${device} (device: '${device}' was asked for)`,
    }));
  const registry = registryOf(
    fits.map((p) => ({ ...p, plugin: onDevice(p, device) })),
    plugins,
  );
  try {
    const selection = await registry.select({ ...rest, ...(force ? { force } : {}) });
    return { backend: selection.backend, report: [...selection.report, ...skipped] };
  } catch (e) {
    if (!(e instanceof NoBackendError)) throw e;
    const report = [...(e.report as SelectionEntry[]), ...skipped];
    const lines = report.map((r) => `  ${r.name}: ${r.status}: ${r.reason}`).join('\n');
    throw new NoBackendError(`no backend runs on ${device} here:\n${lines}`, report);
  }
}
