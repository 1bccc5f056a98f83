/**
 * backend-ts's worker threads in bundles made by Vite and webpack (esbuild's is select.browser.test.ts):
 * a page using the TypeScript backend alone, bundled with each tool's defaults and nothing else served,
 * opened cross-origin isolated in headless Chromium. Every pool worker must start and answer, and the
 * backend must say it runs on all cores. Needs the build and Chromium.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as viteBuild } from 'vite';
import webpack from 'webpack';
import { serveLocal, type LocalServer } from '@attnkit/local-web';
import { chromiumMissing } from '@attnkit/local-web/chromium';
import { openPage } from '../test/page-run.js';
import { afterAll, describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../test/threads-app.js', import.meta.url));
const page = '<!doctype html><meta charset="utf-8"><pre id="out"></pre><script type="module" src="app.js"></script>';

/** Bundles the page's script into `site/app.js` with one tool. */
const BUNDLERS: Record<string, (site: string) => Promise<void>> = {
  async vite(site) {
    await viteBuild({
      configFile: false,
      logLevel: 'silent',
      build: {
        outDir: site,
        emptyOutDir: false,
        target: 'es2022',
        rolldownOptions: { input: entry, output: { entryFileNames: 'app.js', format: 'es' } },
      },
    });
  },
  async webpack(site) {
    const stats = await new Promise<webpack.Stats>((resolve, reject) =>
      webpack(
        {
          mode: 'production',
          target: 'web',
          entry,
          output: { path: site, filename: 'app.js', module: true },
          experiments: { outputModule: true },
        },
        (err, s) => (err || !s ? reject(err ?? new Error('webpack gave no stats')) : resolve(s)),
      ),
    );
    if (stats.hasErrors()) throw new Error(stats.toString('errors-only'));
  },
};

const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(`Chromium is required in CI: ${missing}`);
if (missing) console.warn(`skipping the bundler browser tests: ${missing}`);

describe.skipIf(missing !== undefined).each(Object.keys(BUNDLERS))('backend-ts bundled by %s', (bundler) => {
  let site = '';
  let server: LocalServer | undefined;
  afterAll(async () => {
    await server?.close();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  it('runs on every core: each pool worker starts and answers', async () => {
    site = mkdtempSync(join(tmpdir(), `attnkit-${bundler}-`));
    await BUNDLERS[bundler]!(site);
    writeFileSync(join(site, 'index.html'), page);
    server = await serveLocal({
      root: site,
      headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    });
    const { result: r, workers } = await openPage<{
      error?: string;
      info: Record<string, unknown>;
      maxErr: number;
      cores: number;
    }>(server.url, false);
    expect(r.error).toBeUndefined();
    expect(r.maxErr).toBeLessThan(1e-5);
    expect(r.cores).toBeGreaterThan(1);
    expect(workers.answered).toBe(r.cores);
    expect(r.info.threads).toBe(r.cores);
    expect(r.info.threadsOff).toBeUndefined();
  }, 180_000);
});
