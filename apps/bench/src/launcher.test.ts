/**
 * The process launcher with stand-in workers (plain scripts speaking the worker protocol), so the
 * behaviour around the process is tested without the engines: replies and progress pass through, a crash
 * becomes a failed job with its reason, and a run that overruns the limit is stopped.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attentionCase } from './cases.js';
import { RELAXED_SIMD_FLAG, processLauncher, relaxedSimdFlags } from './launcher.js';
import type { WorkerRequest } from './worker-protocol.js';

const dir = mkdtempSync(join(tmpdir(), 'attnkit-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function worker(name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, `process.once('message', (req) => {\n${body}\n});\n`);
  return file;
}

const job: WorkerRequest = {
  type: 'job',
  engine: 'e',
  case: attentionCase({ batch: 1, heads: 1, seq: 8, headDim: 4, mask: 'none' }, 'seq'),
  settings: { warmup: 1, warmupMs: 0, minRuns: 1, maxRuns: 1, minTimeMs: 0, maxTimeMs: 1000, maxRunMs: 100 },
  seed: 1,
};

describe('the process launcher', () => {
  it('passes progress and the reply through', async () => {
    const path = worker(
      'ok',
      `
      process.send({ type: 'ready' });
      process.send({ type: 'progress', done: 1, phase: 'timed' });
      process.send({ type: 'job', outcome: { status: 'unsupported', reason: 'stand-in' } }, () => process.exit(0));`,
    );
    const progress: string[] = [];
    const reply = await processLauncher({ workerPath: path, timeoutMs: 60_000 })(job, (n, phase) =>
      progress.push(`${phase}${n}`),
    );
    expect(reply).toEqual({ type: 'job', outcome: { status: 'unsupported', reason: 'stand-in' } });
    expect(progress).toEqual(['timed1']);
  });

  it('turns a crash into a failed job that says how the worker ended', async () => {
    const path = worker('crash', `console.error('out of luck'); process.exit(3);`);
    const reply = await processLauncher({ workerPath: path, timeoutMs: 60_000 })(job);
    expect(reply).toEqual({
      type: 'job',
      outcome: { status: 'failed', reason: 'worker exited with code 3: out of luck' },
    });
    const probe = await processLauncher({ workerPath: path, timeoutMs: 60_000 })({ type: 'probe', engine: 'e' });
    expect(probe).toMatchObject({ type: 'probe', probe: { available: false } });
  });

  it('stops a worker whose run goes on past the limit (a synchronous kernel cannot stop itself)', async () => {
    const path = worker('stuck', `process.send({ type: 'ready' }, () => { for (;;) {} });`);
    const reply = await processLauncher({ workerPath: path, timeoutMs: 60_000 })(job);
    expect(reply).toMatchObject({ type: 'job', outcome: { status: 'over-limit', cold: true, stopped: true } });
  });

  it('starts the worker with the Node options it is given', async () => {
    const path = worker(
      'flags',
      `process.send({ type: 'job', outcome: { status: 'unsupported', reason: process.execArgv.join(' ') } }, () => process.exit(0));`,
    );
    const reply = await processLauncher({
      workerPath: path,
      timeoutMs: 60_000,
      nodeFlags: ['--max-old-space-size=512'],
    })(job);
    expect(reply).toEqual({
      type: 'job',
      outcome: { status: 'unsupported', reason: '--expose-gc --max-old-space-size=512' },
    });
  });

  it('--relaxed-simd: the flag where Node needs it (before 22), and relaxed SIMD validates in the worker', async () => {
    expect(relaxedSimdFlags('v20.20.2')).toEqual([RELAXED_SIMD_FLAG]);
    expect(relaxedSimdFlags('v22.0.0')).toEqual([]);
    expect(relaxedSimdFlags('v24.11.1')).toEqual([]);
    // A module of one function, f32x4.relaxed_madd of its three v128 parameters.
    const module = [
      0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 1, 8, 1, 0x60, 3, 0x7b, 0x7b, 0x7b, 1, 0x7b, 3, 2, 1, 0, 0x0a, 0x0d, 1, 0x0b, 0,
      0x20, 0, 0x20, 1, 0x20, 2, 0xfd, 0x85, 0x02, 0x0b,
    ];
    const path = worker(
      'relaxed',
      `const ok = WebAssembly.validate(new Uint8Array(${JSON.stringify(module)}));
      process.send({ type: 'job', outcome: { status: 'unsupported', reason: String(ok) } }, () => process.exit(0));`,
    );
    const reply = await processLauncher({
      workerPath: path,
      timeoutMs: 60_000,
      nodeFlags: relaxedSimdFlags(process.version),
    })(job);
    expect(reply).toEqual({ type: 'job', outcome: { status: 'unsupported', reason: 'true' } });
  });
});
