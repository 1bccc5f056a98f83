/**
 * Releasing: `changeset version` bumps every published package together (run on a copy of the
 * workspace's manifests), and `pnpm publish --dry-run` works for each.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const PUBLISHED = ['core', 'conformance', 'backend-ts', 'backend-onnx', 'backend-tfjs', 'backend-webgpu', 'attnkit'];
const version = (dir: string): string => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;

describe('release', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'attnkit-release-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('changeset version bumps all published packages to one version', async () => {
    for (const f of ['package.json', 'pnpm-workspace.yaml', '.changeset'])
      cpSync(join(repo, f), join(tmp, f), { recursive: true });
    for (const group of ['packages', 'apps']) {
      if (!existsSync(join(repo, group))) continue;
      for (const name of readdirSync(join(repo, group))) {
        const manifest = join(repo, group, name, 'package.json');
        if (!existsSync(manifest)) continue;
        mkdirSync(join(tmp, group, name), { recursive: true });
        cpSync(manifest, join(tmp, group, name, 'package.json'));
      }
    }
    const before = new Set(PUBLISHED.map((p) => version(join(repo, 'packages', p))));
    expect(before.size).toBe(1);
    await run(`${repo}node_modules/.bin/changeset`, ['version'], { cwd: tmp });
    const after = new Set(PUBLISHED.map((p) => version(join(tmp, 'packages', p))));
    expect(after.size).toBe(1);
    expect([...after][0]).not.toBe([...before][0]);
    expect(readFileSync(join(tmp, 'packages', 'attnkit', 'CHANGELOG.md'), 'utf8')).toContain('First release');
  }, 60_000);

  it.each(PUBLISHED)(
    'pnpm publish --dry-run: %s',
    async (name) => {
      const dir = join(repo, 'packages', name);
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      const { stdout, stderr } = await run('pnpm', ['publish', '--dry-run', '--no-git-checks'], {
        cwd: dir,
        maxBuffer: 8 << 20,
      });
      expect(stdout + stderr).toContain(`${pkg.name}@${pkg.version}`);
      expect(stdout + stderr).toMatch(/dry run/i);
    },
    60_000,
  );
});
