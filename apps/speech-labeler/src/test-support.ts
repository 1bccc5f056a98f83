/** Helpers shared by the tests: generated data sets in temporary directories, and running the CLI. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from './data/generate.js';
import { main } from './cli/main.js';

/** Generates `count` utterances of `split` with `seed` into a fresh temporary directory. */
export async function generated(split: string, count: number, seed: number): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), `speech-labeler-${split}-`)), split);
  await generate({ split, count, seed, out: dir });
  return dir;
}

/** Runs the CLI in this process; returns its stdout, stderr and exit code. */
export async function runCli(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const out: string[] = [],
    err: string[] = [];
  const w1 = process.stdout.write.bind(process.stdout),
    w2 = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string | Uint8Array) => (out.push(String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => (err.push(String(s)), true)) as typeof process.stderr.write;
  // cac prints help with console.info.
  const info = console.info;
  console.info = (...a: unknown[]) => void out.push(`${a.join(' ')}\n`);
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await main(['node', 'speech-labeler', ...args]);
    return { stdout: out.join(''), stderr: err.join(''), code: Number(process.exitCode ?? 0) };
  } finally {
    process.stdout.write = w1;
    process.stderr.write = w2;
    console.info = info;
    process.exitCode = before;
  }
}
