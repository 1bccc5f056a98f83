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
import { processLauncher } from './launcher.js';
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
});
