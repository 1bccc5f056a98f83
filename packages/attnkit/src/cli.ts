/**
 * The `attnkit` command: `attnkit doctor [--json] [--verbose]` prints the backend report for this
 * machine; `--help` and `--version` answer on every command. Arguments are parsed by Node's own
 * `util.parseArgs`.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { doctor } from './doctor.js';

const VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

const USAGE = `usage: attnkit <command> [options]

commands:
  doctor     probe every backend attnkit can use here, say why each is or is not usable,
             and which one select() picks (ATTNKIT_BACKEND=name forces one)

options:
  -h, --help     print this help (attnkit <command> --help: that command's help)
  -v, --version  print attnkit's version`;

const DOCTOR_USAGE = `usage: attnkit doctor [--json] [--verbose]

Probes every backend attnkit can use here (each is started once, then disposed), says why each is or
is not usable, what it lacks, how to install a missing one, and which one select() picks.
ATTNKIT_BACKEND=name forces one backend.

options:
  --json         print the report as JSON
  --verbose      let native engines print their diagnostics while probing (e.g. Dawn's Vulkan warnings)
  -h, --help     print this help
  -v, --version  print attnkit's version`;

const COMMON = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
} as const;

/** Runs the command line; returns the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'doctor') {
    let args;
    try {
      args = parseArgs({
        args: rest,
        options: { ...COMMON, json: { type: 'boolean' }, verbose: { type: 'boolean' } },
        strict: true,
      });
    } catch (e) {
      console.error(`attnkit doctor: ${(e as Error).message}\n\n${DOCTOR_USAGE}`);
      return 2;
    }
    if (args.values.help) return print(DOCTOR_USAGE);
    if (args.values.version) return print(VERSION);
    return doctor({ json: args.values.json ?? false, verbose: args.values.verbose ?? false });
  }
  let args;
  try {
    args = parseArgs({ args: [...argv], options: COMMON, allowPositionals: true, strict: true });
  } catch (e) {
    console.error(`attnkit: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.version) return print(VERSION);
  if (args.values.help) return print(USAGE);
  if (command === undefined) {
    console.error(USAGE);
    return 2;
  }
  console.error(`attnkit: unknown command "${command}"\n\n${USAGE}`);
  return 2;
}

function print(text: string): number {
  console.log(text);
  return 0;
}

// Exits explicitly: a native engine the doctor started may keep threads alive after its dispose().
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`attnkit: ${(e as Error)?.message ?? String(e)}`);
    process.exit(2);
  },
);
