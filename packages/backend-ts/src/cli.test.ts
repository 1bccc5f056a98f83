import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// The attnkit-conformance command, as users run it, against this package by name (needs the build).
const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../../conformance/bin/attnkit-conformance.js', import.meta.url));
const vectors = fileURLToPath(new URL('../../conformance/vectors/onnx-attention', import.meta.url));

async function conformance(...args: string[]): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [cli, ...args], { cwd: pkgDir, maxBuffer: 16 << 20 });
    return { code: 0, stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, stdout: err.stdout };
  }
}

describe('attnkit-conformance @attnkit/backend-ts', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attnkit-vectors-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('passes the whole suite and ends with the summary line', async () => {
    const { code, stdout } = await conformance('@attnkit/backend-ts');
    const last = stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^\d+ passed, 0 failed, 0 skipped$/);
    expect(Number(last.split(' ')[0])).toBeGreaterThan(300);
    expect(stdout).toContain('ok    peer-vectors/test_attention_4d_causal_with_past_and_present');
    expect(code).toBe(0);
  }, 120_000);

  it('fails, with exit code 1, on a vector whose expectation is wrong', async () => {
    const file = JSON.parse(readFileSync(join(vectors, 'test_attention_4d_gqa.json'), 'utf8'));
    writeFileSync(join(tmp, 'good.json'), JSON.stringify(file));
    file.name = 'tampered';
    file.outputs[0].data[5] += 0.01;
    writeFileSync(join(tmp, 'tampered.json'), JSON.stringify(file));
    const { code, stdout } = await conformance('@attnkit/backend-ts', '--vectors', tmp);
    expect(stdout).toContain('FAIL  peer-vectors/tampered: ConformanceFailure: Y[5]');
    expect(stdout.trim().split('\n').at(-1)).toBe('1 passed, 1 failed, 0 skipped');
    expect(code).toBe(1);
  }, 60_000);
});
