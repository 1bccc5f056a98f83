/**
 * `attnkit doctor`: what every backend says about this machine, and which one `select()` picks.
 */
import { availableParallelism, cpus, totalmem } from 'node:os';
import { formatReport, NoBackendError, type SelectionEntry } from '@attnkit/core';
import { defaultPlugins, select } from './node.js';
import { forcedBackend } from './select.js';

/** Options of {@link doctor}. */
export interface DoctorOptions {
  /** Print the report as JSON. */
  readonly json?: boolean;
  /** Let native engines print their diagnostics while probing. */
  readonly verbose?: boolean;
}

/** Runs the doctor; returns the exit code. */
export async function doctor(options: DoctorOptions = {}, log: (line: string) => void = console.log): Promise<number> {
  const json = options.json ?? false;
  // One pass of the registry's own selection, surveying every plugin: each backend is started once.
  let selection;
  let error: string | undefined;
  let report: readonly SelectionEntry[] = [];
  try {
    selection = await select({ survey: true, verbose: options.verbose ?? false });
    report = selection.report;
    await selection.backend.dispose();
  } catch (e) {
    error = (e as Error).message;
    if (e instanceof NoBackendError) report = e.report as SelectionEntry[];
  }
  const why = new Map(defaultPlugins.map((p) => [p.plugin.name, p.why]));
  if (json) {
    log(
      JSON.stringify(
        {
          node: process.version,
          cpus: cpus()[0]?.model,
          threads: availableParallelism(),
          forced: forcedBackend() ?? null,
          plugins: report.map((e) => ({ ...e, why: why.get(e.name) ?? '' })),
          error: error ?? null,
        },
        null,
        2,
      ),
    );
    return selection ? 0 : 1;
  }
  log(
    `attnkit doctor — Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} threads, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );
  if (forcedBackend()) log(`ATTNKIT_BACKEND=${forcedBackend()} forces that backend`);
  log('\nbackends, in the order select() tries them:');
  for (const e of report) {
    log(`  ${e.name.padEnd(7)} ${e.status.padEnd(14)} ${e.reason}`);
    if (why.has(e.name)) log(`  ${''.padEnd(7)} ${''.padEnd(14)} (${why.get(e.name)})`);
    if (e.info && Object.keys(e.info).length)
      log(
        `  ${''.padEnd(22)} ${Object.entries(e.info)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')}`,
      );
    if (e.lacks?.length) log(`  ${''.padEnd(22)} lacks: ${e.lacks.join(', ')}`);
  }
  log('\nselect() would choose:');
  if (selection) log(formatReport(selection.report.filter((e) => e.status === 'chosen')).replace(/^/gm, '  '));
  else log(`  nothing: ${error}`);
  return selection ? 0 : 1;
}
