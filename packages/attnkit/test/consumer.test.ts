/**
 * The packages as users get them: pack every published package, install the tarballs with plain npm into
 * a fresh project outside the workspace, then run a Node script and a bundled browser page (headless
 * Chromium) that use `attnkit` as a user would. Needs the build, npm, and Chromium.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { serveLocal } from '@attnkit/local-web';
import { launchChromium } from '@attnkit/local-web/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('../../../', import.meta.url));
const here = fileURLToPath(new URL('./consumer/', import.meta.url));
const PUBLISHED = ['core', 'backend-ts', 'backend-onnx', 'backend-tfjs', 'backend-webgpu', 'attnkit'];

let dir = '';
let app = '';

async function nodeApp(): Promise<{
  chosen: string;
  report: { name: string; status: string; reason: string }[];
  first: number[];
}> {
  const { stdout } = await run(process.execPath, ['node-app.mjs'], { cwd: app, timeout: 120_000 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('published packages in a fresh project', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attnkit-consumer-'));
    const tarballs = join(dir, 'tarballs');
    mkdirSync(tarballs);
    for (const p of PUBLISHED)
      await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(repo, 'packages', p) });
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // onnxruntime-node's install script downloads optional GPU libraries; its documented switch skips them.
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', ...readdirSync(tarballs).map((t) => join(tarballs, t)), 'webgpu@0.6.2'],
      {
        cwd: app,
        timeout: 600_000,
        env: { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'skip' },
      },
    );
    for (const f of ['node-app.mjs', 'browser-app.js']) copyFileSync(join(here, f), join(app, f));
  }, 900_000);
  // Removing a fresh project's node_modules takes seconds on a busy machine.
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it('Node: selects onnx, and computes attention', async () => {
    const r = await nodeApp();
    expect(r.chosen).toBe('onnx');
    expect(r.report.find((e) => e.name === 'onnx')?.status).toBe('chosen');
    // mean of value rows 0..5 = 2.5 in every column
    for (const x of r.first) expect(x).toBeCloseTo(2.5, 5);
  }, 120_000);

  it('Node: without onnxruntime-node, falls through to the next backend and says why', async () => {
    const ort = join(app, 'node_modules', 'onnxruntime-node');
    const moved = join(dir, 'onnxruntime-node-moved');
    cpSync(ort, moved, { recursive: true });
    rmSync(ort, { recursive: true, force: true });
    try {
      const r = await nodeApp();
      expect(r.chosen).not.toBe('onnx');
      const onnx = r.report.find((e) => e.name === 'onnx')!;
      expect(onnx.status).toBe('unavailable');
      expect(onnx.reason).toMatch(/onnxruntime-node/);
      for (const x of r.first) expect(x).toBeCloseTo(2.5, 5);
    } finally {
      cpSync(moved, ort, { recursive: true });
    }
  }, 120_000);

  describe('browser page', () => {
    let server: Server;
    let url = '';
    beforeAll(async () => {
      const site = join(app, 'site');
      mkdirSync(site, { recursive: true });
      const result = await build({
        entryPoints: [join(app, 'browser-app.js')],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        outfile: join(site, 'app.js'),
        metafile: true,
        logLevel: 'silent',
      });
      const inputs = Object.keys(result.metafile.inputs);
      expect(inputs.filter((p) => /onnxruntime-node|node_modules\/webgpu\/|\/pool-node\.js/.test(p))).toEqual([]);
      const wasmDir = join(app, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
      for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
        copyFileSync(join(wasmDir, f), join(site, f));
      writeFileSync(
        join(site, 'index.html'),
        '<!doctype html><meta charset="utf-8"><pre id="out"></pre><script type="module" src="app.js"></script>',
      );
      ({ server, url } = await serveLocal({ root: site }));
    }, 120_000);
    afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

    async function page(webgpu: boolean): Promise<{
      chosen: string;
      report: { name: string; status: string; reason: string }[];
      first: number[];
      error?: string;
    }> {
      const browser = await launchChromium({ webgpu: webgpu ? 'default' : false });
      try {
        const p = browser.page;
        await p.goto(url);
        await p.waitForFunction(() => (document.getElementById('out')?.textContent ?? '').length > 0, undefined, {
          timeout: 90_000,
        });
        return JSON.parse((await p.textContent('#out'))!);
      } finally {
        await browser.close();
      }
    }

    it('with WebGPU on a software adapter (no GPU here), skips it and says why', async () => {
      const r = await page(true);
      expect(r.error).toBeUndefined();
      expect(r.chosen).toBe('tfjs');
      expect(r.report.find((e) => e.name === 'webgpu')).toMatchObject({
        status: 'unavailable',
        reason: expect.stringMatching(/only a (fallback|software) adapter/),
      });
      for (const x of r.first) expect(x).toBeCloseTo(2.5, 4);
    }, 120_000);

    it('without WebGPU, selects the next backend and says why', async () => {
      const r = await page(false);
      expect(r.error).toBeUndefined();
      expect(r.chosen).toBe('tfjs');
      const gpu = r.report.find((e) => e.name === 'webgpu')!;
      expect(gpu.status).toBe('unavailable');
      expect(gpu.reason.length).toBeGreaterThan(0);
      for (const x of r.first) expect(x).toBeCloseTo(2.5, 4);
    }, 120_000);
  });
});
