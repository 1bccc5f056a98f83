/**
 * Every published package passes publint (strict) and @arethetypeswrong/cli (ESM-only profile) on what
 * it would publish. Needs the build.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const bin = (name: string): string => `${repo}node_modules/.bin/${name}`;
const PUBLISHED = ['core', 'conformance', 'backend-ts', 'backend-onnx', 'backend-tfjs', 'backend-webgpu', 'attnkit'];

async function check(cmd: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, maxBuffer: 8 << 20 });
    return { code: 0, out: stdout + stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}

describe.each(PUBLISHED)('%s is ready to publish', (name) => {
  const cwd = `${repo}packages/${name}`;
  it('names its repository, homepage, issue tracker and keywords', () => {
    const pkg = JSON.parse(readFileSync(`${cwd}/package.json`, 'utf8'));
    expect(pkg.repository).toMatchObject({
      type: 'git',
      url: expect.stringMatching(/^git\+https:\/\/\S+\.git$/),
      directory: `packages/${name}`,
    });
    const web = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');
    expect(pkg.homepage).toBe(`${web}/tree/main/packages/${name}#readme`);
    expect(pkg.bugs).toEqual({ url: `${web}/issues` });
    expect(pkg.keywords.length).toBeGreaterThan(2);
  });
  it('publint --strict', async () => {
    const r = await check(bin('publint'), ['--strict'], cwd);
    expect(r.code, r.out).toBe(0);
  }, 60_000);
  it('attw --pack --profile esm-only', async () => {
    const r = await check(bin('attw'), ['--pack', '.', '--profile', 'esm-only', '--format', 'ascii'], cwd);
    expect(r.code, r.out).toBe(0);
  }, 60_000);
});
