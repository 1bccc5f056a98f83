/**
 * Backend registry and selection. A registry is a plain object you create; nothing is global.
 *
 * `select()` walks the plugins by priority (highest first), probes each, skips the unavailable, those that
 * lack a required feature and those that fail to start, and returns the first backend that fits with a
 * report of every plugin and why it was or was not chosen.
 */
import type { Backend, BackendPlugin } from './backend.js';
import { ALL_FEATURES, describeMissing, missingFeatures, type Capabilities, type Feature } from './capabilities.js';
import { AttnkitError, NoBackendError } from './errors.js';

/**
 * Status of one plugin in a selection: `available` only in a survey, for a plugin that started and fits
 * but ranks below the chosen one.
 */
export type SelectionStatus =
  | 'chosen'
  | 'available'
  | 'unavailable'
  | 'incapable'
  | 'failed'
  | 'not-preferred'
  | 'not-tried';

/** One line of a selection report. */
export interface SelectionEntry {
  /** The plugin's name. */
  readonly name: string;
  /** The priority it was registered with (higher is tried first). */
  readonly priority: number;
  /** What became of it: chosen, skipped, or failed (see {@link SelectionStatus}). */
  readonly status: SelectionStatus;
  /** Why, in words: the probe's reason, the features it lacks, the start-up error, or why it was chosen. */
  readonly reason: string;
  /** The started backend's `info` (chosen, and in a survey every plugin that started). */
  readonly info?: Readonly<Record<string, string | number | boolean>>;
  /** Every feature the plugin does not declare (whether required or not), when known. */
  readonly lacks?: readonly Feature[];
}

/** The outcome of {@link Registry.select}. */
export interface Selection {
  /** The chosen backend, started; the caller owns it and disposes of it. */
  readonly backend: Backend;
  /** One entry per registered plugin, the chosen one included (print it with {@link formatReport}). */
  readonly report: readonly SelectionEntry[];
}

/**
 * `create` options of each backend, by plugin name. Empty here: each backend package adds its own entry
 * (`declare module '@attnkit/core'`), so `createOptions` and `force` are typed for the backends a program
 * imports, and any other name still takes `unknown` options.
 *
 * @example
 * ```ts
 * declare module '@attnkit/core' {
 *   interface BackendOptionsByName {
 *     mine: { readonly threads?: number };
 *   }
 * }
 * ```
 */
export interface BackendOptionsByName {}

/** A backend's name: one of the known backends' names (typed), or any other plugin's. */
// oxlint-disable-next-line typescript/no-redundant-type-constituents -- the keys are added by declaration merging
export type BackendName = keyof BackendOptionsByName | (string & {});

/** `create` options by plugin name: typed for the known backends, `unknown` for any other plugin. */
export type CreateOptionsByName = { readonly [K in keyof BackendOptionsByName]?: BackendOptionsByName[K] } & {
  readonly [name: string]: unknown;
};

/** Options of {@link Registry.select}. */
export interface SelectOptions {
  /** Try these plugins first, in this order (names). */
  readonly prefer?: readonly BackendName[];
  /** Only these plugins, by name (e.g. from an environment variable). */
  readonly force?: BackendName;
  /** Features the backend must support. */
  readonly require?: readonly Feature[];
  /** Options passed to each plugin's `create`, by plugin name. */
  readonly createOptions?: CreateOptionsByName;
  /**
   * Assess every plugin, not just until one is chosen: each is probed and started (and disposed again,
   * except the chosen one), so the report says of every plugin whether it would run here, with its info
   * (what `attnkit doctor` prints).
   */
  readonly survey?: boolean;
}

/** A set of backend plugins. */
export interface Registry {
  /** Adds a plugin; higher priority is tried first. Re-registering a name replaces it. */
  register(
    plugin: BackendPlugin,
    options?: {
      /** Its rank: higher is tried first (default 0; equal ranks keep the order of registration). */
      priority?: number;
    },
  ): Registry;
  /** Registered plugins, highest priority first. */
  plugins(): readonly {
    /** The plugin as registered. */
    plugin: BackendPlugin;
    /** Its priority (default `0`). */
    priority: number;
  }[];
  /** Selects a backend; throws {@link NoBackendError} (with the report) when none fits. */
  select(options?: SelectOptions): Promise<Selection>;
}

/**
 * Creates an empty registry.
 *
 * @example
 * ```ts
 * const registry = createRegistry().register(tsPlugin, { priority: 10 });
 * const { backend, report } = await registry.select({ require: ['causal'] });
 * console.log(formatReport(report));
 * ```
 */
export function createRegistry(): Registry {
  const entries: { plugin: BackendPlugin; priority: number; order: number }[] = [];
  let order = 0;
  const registry: Registry = {
    register(plugin, options = {}) {
      if (
        !plugin ||
        typeof plugin.name !== 'string' ||
        typeof plugin.probe !== 'function' ||
        typeof plugin.create !== 'function'
      ) {
        throw new AttnkitError('ERR_TYPE', 'register: expected a BackendPlugin { name, probe(), create() }', 'plugin');
      }
      const i = entries.findIndex((e) => e.plugin.name === plugin.name);
      if (i >= 0) entries.splice(i, 1);
      entries.push({ plugin, priority: options.priority ?? 0, order: order++ });
      entries.sort((a, b) => b.priority - a.priority || a.order - b.order);
      return registry;
    },
    plugins() {
      return entries.map(({ plugin, priority }) => ({ plugin, priority }));
    },
    async select(options = {}) {
      const require = options.require ?? [];
      let candidates = [...entries];
      const report: SelectionEntry[] = [];
      if (options.force !== undefined) {
        if (!candidates.some((e) => e.plugin.name === options.force)) {
          throw new NoBackendError(
            `no backend named "${options.force}" is registered; registered: ${candidates.map((e) => e.plugin.name).join(', ') || 'none'}`,
            [],
          );
        }
        for (const e of candidates) {
          if (e.plugin.name !== options.force)
            report.push({
              name: e.plugin.name,
              priority: e.priority,
              status: 'not-preferred',
              reason: `backend "${options.force}" was forced`,
            });
        }
        candidates = candidates.filter((e) => e.plugin.name === options.force);
      } else if (options.prefer?.length) {
        const rank = (n: string): number => {
          const i = options.prefer!.indexOf(n);
          return i < 0 ? options.prefer!.length : i;
        };
        candidates.sort((a, b) => rank(a.plugin.name) - rank(b.plugin.name));
      }
      let chosen: Backend | undefined;
      for (const e of candidates) {
        if (chosen && !options.survey) {
          report.push({
            name: e.plugin.name,
            priority: e.priority,
            status: 'not-tried',
            reason: 'a higher-ranked backend was chosen',
          });
          continue;
        }
        const outcome = await assess(e.plugin, e.priority, require, options.createOptions?.[e.plugin.name]);
        if (!outcome.backend) {
          report.push(outcome.entry);
        } else if (chosen) {
          report.push({
            ...outcome.entry,
            status: 'available',
            reason: `would run here; a higher-ranked backend was chosen (${outcome.entry.reason})`,
          });
          await outcome.backend.dispose().catch(() => undefined);
        } else {
          chosen = outcome.backend;
          const why =
            options.force !== undefined
              ? `forced${outcome.entry.reason ? `; ${outcome.entry.reason}` : ''}`
              : `highest-ranked available backend${outcome.entry.reason ? `; ${outcome.entry.reason}` : ''}`;
          report.push({ ...outcome.entry, status: 'chosen', reason: why });
        }
      }
      if (!chosen) {
        const lines = report.map((r) => `  ${r.name}: ${r.status}: ${r.reason}`).join('\n');
        throw new NoBackendError(
          `no backend fits${entries.length === 0 ? ' (none registered)' : ''}:\n${lines}`,
          report,
        );
      }
      return { backend: chosen, report };
    },
  };
  return registry;
}

/**
 * One plugin, assessed: probed, checked against the required features from its declaration (before
 * starting it), started, and checked again against the started backend's capabilities.
 */
async function assess(
  plugin: BackendPlugin,
  priority: number,
  require: readonly Feature[],
  createOptions: unknown,
): Promise<{ entry: SelectionEntry; backend?: Backend }> {
  const name = plugin.name;
  let probe;
  try {
    probe = await plugin.probe();
  } catch (err) {
    return {
      entry: {
        name,
        priority,
        status: 'unavailable',
        reason: `probe threw: ${(err as Error)?.message ?? String(err)}`,
      },
    };
  }
  if (!probe.available)
    return { entry: { name, priority, status: 'unavailable', reason: probe.reason ?? 'probe reported unavailable' } };
  const incapable = (caps: Capabilities): SelectionEntry | undefined => {
    const missing = missingFeatures(caps, require);
    return missing.length > 0
      ? { name, priority, status: 'incapable', reason: `lacks ${describeMissing(missing)}`, lacks: undeclared(caps) }
      : undefined;
  };
  const declared = plugin.capabilities && incapable(plugin.capabilities);
  if (declared) return { entry: declared };
  let backend: Backend;
  try {
    backend = await plugin.create(createOptions);
  } catch (err) {
    return {
      entry: { name, priority, status: 'failed', reason: `failed to start: ${(err as Error)?.message ?? String(err)}` },
    };
  }
  const started = incapable(backend.capabilities);
  if (started) {
    await backend.dispose().catch(() => undefined);
    return { entry: { ...started, info: backend.info } };
  }
  return {
    entry: {
      name,
      priority,
      status: 'chosen',
      reason: probe.reason ?? '',
      info: backend.info,
      lacks: undeclared(backend.capabilities),
    },
    backend,
  };
}

function undeclared(caps: Capabilities): Feature[] {
  return ALL_FEATURES.filter((f) => !caps.features.has(f));
}

/** Formats a selection report as aligned text lines. */
export function formatReport(report: readonly SelectionEntry[]): string {
  const w = Math.max(4, ...report.map((r) => r.name.length));
  const s = Math.max(6, ...report.map((r) => r.status.length));
  return report.map((r) => `${r.name.padEnd(w)}  ${r.status.padEnd(s)}  ${r.reason}`).join('\n');
}
