/**
 * select() as a new user meets it: attnkit bundled with esbuild (nothing else served: no TensorFlow.js
 * `.wasm` files, no worker file), opened in headless Chromium with WebGPU on the SwiftShader software
 * adapter. The defaults must not pick the software adapter, nor tfjs on its cpu fallback, and the
 * TypeScript backend's threads must run (and the report say so). Needs the build and Chromium.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serveLocal, type LocalServer } from '@attnkit/local-web';
import { chromiumMissing } from '@attnkit/local-web/chromium';
import { openPage } from '../test/page-run.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

interface Entry {
  name: string;
  status: string;
  reason: string;
  info?: Record<string, unknown>;
}
interface PageResult {
  chosen: string;
  report: Entry[];
  info: Record<string, unknown>;
  maxErr: number;
  cores: number;
  workers: { started: number; answered: number };
  error?: string;
}

const missing = chromiumMissing();
if (missing && process.env.CI) throw new Error(`Chromium is required in CI: ${missing}`);
if (missing) console.warn(`skipping the select() browser tests: ${missing}`);

describe.skipIf(missing !== undefined)('select() in a bundled page', () => {
  let site = '';
  let isolated: LocalServer;
  let plain: LocalServer;

  beforeAll(async () => {
    site = mkdtempSync(join(tmpdir(), 'attnkit-select-'));
    await build({
      entryPoints: [fileURLToPath(new URL('../test/select-app.js', import.meta.url))],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outfile: join(site, 'app.js'),
      logLevel: 'silent',
    });
    writeFileSync(
      join(site, 'index.html'),
      '<!doctype html><meta charset="utf-8"><pre id="out"></pre><script type="module" src="app.js"></script>',
    );
    isolated = await serveLocal({
      root: site,
      headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
    });
    plain = await serveLocal({ root: site });
  }, 60_000);
  afterAll(async () => {
    await isolated?.close();
    await plain?.close();
    if (site) rmSync(site, { recursive: true, force: true });
  });

  async function open(url: string, webgpu: 'swiftshader' | false = 'swiftshader'): Promise<PageResult> {
    const { result, workers } = await openPage<PageResult>(url, webgpu);
    return { ...result, workers };
  }

  const entry = (r: PageResult, name: string): Entry => r.report.find((e) => e.name === name)!;

  it('skips the software WebGPU adapter', async () => {
    const r = await open(isolated.url);
    expect(r.error).toBeUndefined();
    expect(entry(r, 'webgpu').status).toBe('unavailable');
    expect(entry(r, 'webgpu').reason).toMatch(/(software|fallback) adapter/);
    expect(r.chosen).not.toBe('webgpu');
  }, 120_000);

  it('skips tfjs when it falls back to its cpu backend (its .wasm files are not served)', async () => {
    const r = await open(isolated.url, false);
    expect(r.error).toBeUndefined();
    expect(entry(r, 'tfjs').status).toBe('failed');
    expect(entry(r, 'tfjs').reason).toMatch(/fell back to its cpu backend/);
    expect(r.chosen).toBe('ts');
    expect(r.maxErr).toBeLessThan(1e-5);
  }, 120_000);

  it('runs ts on its worker threads in the bundle, and the report says so', async () => {
    const r = await open(`${isolated.url}?force=ts`, false);
    expect(r.error).toBeUndefined();
    expect(r.chosen).toBe('ts');
    expect(r.maxErr).toBeLessThan(1e-5);
    expect(r.cores).toBeGreaterThan(1); // CI machines have at least two cores
    // Every pool worker started and reported ready.
    expect(r.workers.answered).toBe(r.cores);
    expect(r.info.threads).toBe(r.cores);
    expect(r.info.threadsOff).toBeUndefined();
    expect(entry(r, 'ts').info?.threads).toBe(r.cores);
    expect(entry(r, 'ts').reason).toMatch(new RegExp(`${r.cores} threads`));
  }, 120_000);

  it('forced, tfjs runs on its cpu fallback and the report shows it', async () => {
    const r = await open(`${isolated.url}?force=tfjs`);
    expect(r.error).toBeUndefined();
    expect(r.chosen).toBe('tfjs');
    expect(r.info.tfjsBackend).toBe('cpu');
    expect(String(r.info.fallback)).toMatch(/wasm unavailable/);
    expect(r.maxErr).toBeLessThan(1e-4);
  }, 120_000);

  it('says why ts runs on one thread in a page that is not cross-origin isolated', async () => {
    const r = await open(`${plain.url}?force=ts`, false);
    expect(r.error).toBeUndefined();
    expect(r.chosen).toBe('ts');
    expect(r.info.threads).toBe(1);
    expect(String(r.info.threadsOff)).toMatch(/not cross-origin isolated/);
    expect(entry(r, 'ts').reason).toMatch(/one thread: the page is not cross-origin isolated/);
    expect(r.workers.started).toBe(0);
  }, 120_000);
});
