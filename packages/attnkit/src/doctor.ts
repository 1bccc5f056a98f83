/**
 * `attnkit doctor`: what every backend says about this machine, and which one `select()` picks.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { ALL_FEATURES, formatReport, type Feature } from '@attnkit/core';
import { defaultPlugins, select } from './node.js';
import { forcedBackend } from './select.js';

/** One plugin as the doctor saw it. */
export interface DoctorEntry {
  readonly name: string;
  readonly priority: number;
  readonly why: string;
  readonly available: boolean;
  readonly reason: string;
  readonly started?: boolean;
  readonly info?: Readonly<Record<string, string | number | boolean>>;
  readonly missing?: readonly Feature[];
}

/** Probes and starts every default plugin (then disposes it), without choosing. */
export async function examine(): Promise<DoctorEntry[]> {
  const out: DoctorEntry[] = [];
  for (const { plugin, priority, why } of defaultPlugins) {
    let probe;
    try {
      probe = await plugin.probe();
    } catch (e) {
      probe = { available: false, reason: `probe threw: ${(e as Error).message}` };
    }
    if (!probe.available) {
      out.push({ name: plugin.name, priority, why, available: false, reason: probe.reason ?? 'unavailable' });
      continue;
    }
    try {
      const b = await plugin.create();
      out.push({
        name: plugin.name, priority, why, available: true, reason: probe.reason ?? 'available', started: true, info: b.info,
        missing: ALL_FEATURES.filter((f) => !b.capabilities.features.has(f)),
      });
      await b.dispose();
    } catch (e) {
      out.push({ name: plugin.name, priority, why, available: true, reason: `failed to start: ${(e as Error).message}`, started: false });
    }
  }
  return out;
}

/** Runs the doctor; returns the exit code. */
export async function doctor(args: readonly string[], log: (line: string) => void = console.log): Promise<number> {
  const json = args.includes('--json');
  const entries = await examine();
  let selection;
  let error: string | undefined;
  try {
    selection = await select();
    await selection.backend.dispose();
  } catch (e) {
    error = (e as Error).message;
  }
  if (json) {
    log(JSON.stringify({ node: process.version, cpus: cpus()[0]?.model, threads: availableParallelism(), forced: forcedBackend() ?? null, plugins: entries, selection: selection?.report ?? null, error: error ?? null }, null, 2));
    return selection ? 0 : 1;
  }
  log(`attnkit doctor — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} threads, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`);
  if (forcedBackend()) log(`ATTNKIT_BACKEND=${forcedBackend()} forces that backend`);
  log('\nbackends, in priority order:');
  for (const e of entries) {
    const state = !e.available ? 'unavailable' : e.started ? 'ready' : 'fails to start';
    log(`  ${e.name.padEnd(7)} ${state.padEnd(14)} ${e.reason}`);
    log(`  ${''.padEnd(7)} ${''.padEnd(14)} (${e.why})`);
    if (e.info && Object.keys(e.info).length) log(`  ${''.padEnd(22)} ${Object.entries(e.info).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    if (e.missing?.length) log(`  ${''.padEnd(22)} lacks: ${e.missing.join(', ')}`);
  }
  log('\nselect() would choose:');
  if (selection) log(formatReport(selection.report).replace(/^/gm, '  '));
  else log(`  nothing: ${error}`);
  return selection ? 0 : 1;
}
