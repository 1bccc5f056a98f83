/**
 * `attnkit-conformance PLUGIN-PACKAGE [--vectors DIR] [--filter REGEX] [--quiet]`, `--help`, `--version`
 *
 * Certifies an installed backend plugin, by package name, against the whole suite (or only the vector
 * files in DIR). Prints one line per case and ends with `N passed, N failed, N skipped`; exits 1 if any
 * case failed or the backend could not run.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type { BackendPlugin } from '@attnkit/core';
import { runCases } from './case.js';
import { conformanceCases } from './suite.js';

const USAGE = `usage: attnkit-conformance PLUGIN-PACKAGE [--vectors DIR] [--filter REGEX] [--quiet]

  PLUGIN-PACKAGE  an installed backend package (or a path to its entry file) exporting a BackendPlugin
                  as \`plugin\` or as its default export, e.g. @attnkit/backend-ts
  --vectors DIR   check only the vector files (*.json, peer-vector format) in DIR
  --filter REGEX  run only the cases whose id matches
  --quiet         print only failures and the summary
  -h, --help      print this help
  -v, --version   print the suite's version`;

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

function isPlugin(x: unknown): x is BackendPlugin {
  return (
    !!x &&
    typeof x === 'object' &&
    typeof (x as BackendPlugin).probe === 'function' &&
    typeof (x as BackendPlugin).create === 'function'
  );
}

async function loadPlugin(spec: string): Promise<BackendPlugin> {
  let url: string;
  if (spec.startsWith('.') || spec.startsWith('/')) {
    url = pathToFileURL(resolve(spec)).href;
  } else {
    const bases = [join(process.cwd(), 'noop.js'), import.meta.url];
    let found: string | undefined;
    for (const base of bases) {
      try {
        found = createRequire(base).resolve(spec);
        break;
      } catch {
        /* try the next base */
      }
    }
    if (!found) throw new Error(`cannot find package "${spec}" from ${process.cwd()}; install it first`);
    url = pathToFileURL(found).href;
  }
  const mod = (await import(url)) as Record<string, unknown>;
  const candidate = [mod.plugin, mod.default, ...Object.values(mod)].find(isPlugin);
  if (!candidate)
    throw new Error(
      `"${spec}" exports no BackendPlugin (expected an export \`plugin\` or a default export with probe() and create())`,
    );
  return candidate;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      allowPositionals: true,
      options: {
        vectors: { type: 'string' },
        filter: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    });
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.values.version) {
    console.log(VERSION);
    return 0;
  }
  if (args.positionals.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const plugin = await loadPlugin(args.positionals[0]!);
  const probe = await plugin.probe();
  if (!probe.available) {
    console.error(`backend "${plugin.name}" is unavailable here: ${probe.reason ?? 'no reason given'}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  const cases = conformanceCases({
    ...(args.values.vectors ? { vectorsDir: resolve(args.values.vectors), vectorsOnly: true } : {}),
    ...(args.values.filter ? { filter: new RegExp(args.values.filter) } : {}),
  });
  const backend = await plugin.create();
  console.log(`attnkit-conformance: ${plugin.name}${probe.reason ? ` (${probe.reason})` : ''}, ${cases.length} cases`);
  const outcomes = await runCases(backend, cases, (o) => {
    if (o.status === 'failed') console.log(`FAIL  ${o.id}: ${o.detail}`);
    else if (!args.values.quiet)
      console.log(o.status === 'passed' ? `ok    ${o.id} (${o.ms.toFixed(0)} ms)` : `skip  ${o.id}: ${o.detail}`);
  });
  await backend.dispose();
  const passed = outcomes.filter((o) => o.status === 'passed').length;
  const failed = outcomes.filter((o) => o.status === 'failed').length;
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`attnkit-conformance: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(2);
  },
);
