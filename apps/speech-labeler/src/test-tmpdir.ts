/**
 * Test setup: each test file's temporary files (its own and those of the code it runs, child processes
 * included) go into one fresh directory, removed when the file's tests end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'speech-labeler-test-'));
const before = process.env.TMPDIR;
process.env.TMPDIR = dir;

afterAll(() => {
  if (before === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = before;
  rmSync(dir, { recursive: true, force: true });
});
