/**
 * The commands as a user calls them: `--help` and `--version` on every command, usage errors exit 2.
 * Needs the build (runs the `bin` files).
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const pkg = (dir: string): { version: string } =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../${dir}/package.json`, import.meta.url)), 'utf8'));
const bin = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const ATTNKIT = bin('attnkit/bin/attnkit.js');
const CONFORMANCE = bin('conformance/bin/attnkit-conformance.js');

async function cli(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [file, ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('commands', () => {
  const version = pkg('attnkit').version;
  it.each([[['--version']], [['-v']], [['doctor', '--version']]])('attnkit %j prints the version', async (args) => {
    expect(await cli(ATTNKIT, args)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('attnkit --help lists the commands; attnkit doctor --help is the doctor help, without probing', async () => {
    const top = await cli(ATTNKIT, ['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^usage: attnkit <command>/);
    expect(top.stdout).toMatch(/^ {2}doctor /m);
    const doctor = await cli(ATTNKIT, ['doctor', '--help']);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(/^usage: attnkit doctor \[--json\] \[--verbose\]/);
    expect(doctor.stdout).not.toContain('backends, in the order');
  });

  it('usage errors exit 2 with the usage on stderr', async () => {
    for (const args of [[], ['nope'], ['--nope'], ['doctor', '--nope']]) {
      const r = await cli(ATTNKIT, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/usage: attnkit/);
    }
  });

  it('attnkit-conformance answers --help and --version', async () => {
    const help = await cli(CONFORMANCE, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: attnkit-conformance PLUGIN-PACKAGE/);
    expect(await cli(CONFORMANCE, ['--version'])).toEqual({
      code: 0,
      stdout: `${pkg('conformance').version}\n`,
      stderr: '',
    });
  });
});
