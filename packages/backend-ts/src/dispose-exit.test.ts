/**
 * A Node process whose only work is attention calls must live until `dispose()` settles: idle workers do
 * not keep it alive, and a worker terminated while it was still reading a small call's job (one the calling
 * thread had finished alone) once left `terminate()` pending, so the process exited inside `dispose()`
 * (4 runs in 10 before the fix).
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const child = fileURLToPath(new URL('./dispose-exit.fixture.mjs', import.meta.url));

function run(): Promise<unknown> {
  return new Promise((resolve) => {
    const c = fork(child, [], { stdio: 'ignore' });
    let message: unknown;
    c.on('message', (m) => (message = m));
    c.on('exit', (code) => resolve(message ?? `exited with code ${code} before dispose() settled`));
    c.send('go');
  });
}

describe('dispose in a process with nothing else to do', () => {
  it('settles after small calls shared with a worker, every time', { timeout: 120_000 }, async () => {
    for (let i = 0; i < 10; i++) expect(await run(), `run ${i}`).toBe('disposed');
  });
});
