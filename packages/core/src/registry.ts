/**
 * Backend registry and selection. A registry is a plain object you create; nothing is global.
 *
 * `select()` walks the plugins by priority (highest first), probes each, skips the unavailable, those that
 * lack a required feature and those that fail to start, and returns the first backend that fits with a
 * report of every plugin and why it was or was not chosen.
 */
import type { Backend, BackendPlugin } from './backend.js';
import { missingFeatures, type Feature } from './capabilities.js';
import { AttnkitError, NoBackendError } from './errors.js';

/** Status of one plugin in a selection. */
export type SelectionStatus = 'chosen' | 'unavailable' | 'incapable' | 'failed' | 'not-preferred' | 'not-tried';

/** One line of a selection report. */
export interface SelectionEntry {
  readonly name: string;
  readonly priority: number;
  readonly status: SelectionStatus;
  readonly reason: string;
}

/** The outcome of {@link Registry.select}. */
export interface Selection {
  readonly backend: Backend;
  readonly report: readonly SelectionEntry[];
}

/** Options of {@link Registry.select}. */
export interface SelectOptions {
  /** Try these plugins first, in this order (names). */
  readonly prefer?: readonly string[];
  /** Only these plugins, by name (e.g. from an environment variable). */
  readonly force?: string;
  /** Features the backend must support. */
  readonly require?: readonly Feature[];
  /** Options passed to each plugin's `create`, by plugin name. */
  readonly createOptions?: Readonly<Record<string, unknown>>;
}

/** A set of backend plugins. */
export interface Registry {
  /** Adds a plugin; higher priority is tried first. Re-registering a name replaces it. */
  register(plugin: BackendPlugin, options?: { priority?: number }): Registry;
  /** Registered plugins, highest priority first. */
  plugins(): readonly { plugin: BackendPlugin; priority: number }[];
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
      if (!plugin || typeof plugin.name !== 'string' || typeof plugin.probe !== 'function' || typeof plugin.create !== 'function') {
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
          throw new NoBackendError(`no backend named "${options.force}" is registered; registered: ${candidates.map((e) => e.plugin.name).join(', ') || 'none'}`, []);
        }
        for (const e of candidates) {
          if (e.plugin.name !== options.force) report.push({ name: e.plugin.name, priority: e.priority, status: 'not-preferred', reason: `backend "${options.force}" was forced` });
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
        const { plugin, priority } = e;
        if (chosen) {
          report.push({ name: plugin.name, priority, status: 'not-tried', reason: 'a higher-ranked backend was chosen' });
          continue;
        }
        let probe;
        try {
          probe = await plugin.probe();
        } catch (err) {
          report.push({ name: plugin.name, priority, status: 'unavailable', reason: `probe threw: ${(err as Error)?.message ?? String(err)}` });
          continue;
        }
        if (!probe.available) {
          report.push({ name: plugin.name, priority, status: 'unavailable', reason: probe.reason ?? 'probe reported unavailable' });
          continue;
        }
        let backend: Backend;
        try {
          backend = await plugin.create(options.createOptions?.[plugin.name]);
        } catch (err) {
          report.push({ name: plugin.name, priority, status: 'failed', reason: `failed to start: ${(err as Error)?.message ?? String(err)}` });
          continue;
        }
        const missing = missingFeatures(backend.capabilities, require);
        if (missing.length > 0) {
          report.push({ name: plugin.name, priority, status: 'incapable', reason: `lacks ${missing.map((m) => `${m.feature} (${m.reason})`).join(', ')}` });
          await backend.dispose().catch(() => undefined);
          continue;
        }
        chosen = backend;
        const why = options.force !== undefined ? 'forced' : `highest-ranked available backend${probe.reason ? `; ${probe.reason}` : ''}`;
        report.push({ name: plugin.name, priority, status: 'chosen', reason: why });
      }
      if (!chosen) {
        const lines = report.map((r) => `  ${r.name}: ${r.status}: ${r.reason}`).join('\n');
        throw new NoBackendError(`no backend fits${entries.length === 0 ? ' (none registered)' : ''}:\n${lines}`, report);
      }
      return { backend: chosen, report };
    },
  };
  return registry;
}

/** Formats a selection report as aligned text lines. */
export function formatReport(report: readonly SelectionEntry[]): string {
  const w = Math.max(4, ...report.map((r) => r.name.length));
  const s = Math.max(6, ...report.map((r) => r.status.length));
  return report.map((r) => `${r.name.padEnd(w)}  ${r.status.padEnd(s)}  ${r.reason}`).join('\n');
}
