/**
 * Backend selection for the platform's default plugins.
 */
import { createRegistry, type BackendPlugin, type Registry, type Selection, type SelectOptions } from '@attnkit/core';
import { calibratedSelect, type CalibrateOptions, type CalibrationCache } from './calibrate.js';

/** A plugin with its default priority on a platform. */
export interface PlatformPlugin {
  readonly plugin: BackendPlugin;
  readonly priority: number;
  /** Why it has this rank, shown by `attnkit doctor`. */
  readonly why: string;
}

/** Options of {@link select}. */
export interface AttnkitSelectOptions extends SelectOptions {
  /**
   * Backend to force by name. Defaults to the `ATTNKIT_BACKEND` environment variable where there is one
   * (Node); an explicit `force` wins over it.
   */
  readonly force?: string;
  /** Plugins to add to (or replace in) the platform's defaults. */
  readonly plugins?: readonly { readonly plugin: BackendPlugin; readonly priority: number }[];
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

/** Selects from `defaults` honouring `ATTNKIT_BACKEND`. */
export function selectFrom(
  defaults: readonly PlatformPlugin[],
  options: AttnkitSelectOptions = {},
  platform?: () => PlatformCalibration,
): Promise<Selection> {
  const force = options.force ?? forcedBackend();
  const { plugins, calibrate, ...rest } = options;
  const registry = registryOf(defaults, plugins);
  if (calibrate && !force && !rest.prefer?.length && platform) {
    const { device, cache } = platform();
    return calibratedSelect(registry, rest, calibrate === true ? {} : calibrate, device, cache);
  }
  return registry.select({ ...rest, ...(force ? { force } : {}) });
}
