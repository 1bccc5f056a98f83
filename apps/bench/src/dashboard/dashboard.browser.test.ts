/**
 * The dashboard in headless Chromium: the page built and served as `attnkit-bench serve` does, loading a
 * committed results file; its charts must have drawn the file's points (counted, and seen as pixels on
 * each canvas), its table must list the results, and an in-browser run on the software WebGPU adapter
 * (and the TypeScript backend) must complete and join the charts.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type Chromium } from '@attnkit/local-web/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../build-dashboard.js';
import { validateResults } from '../results-schema.js';
import { serveDashboard, type DashboardServer } from '../serve.js';
import { buildSeries, familiesOf } from './series.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/results-small.json', import.meta.url));
const WEBGPU_BUILT = existsSync(
  fileURLToPath(new URL('../../../../packages/backend-webgpu/dist/index.js', import.meta.url)),
);
const missing = chromiumMissing();
if (missing !== undefined && process.env.CI) throw new Error(missing);
if (missing !== undefined) console.warn(`skipping the dashboard browser tests: ${missing}`);
const haveChromium = missing === undefined;

describe.skipIf(!haveChromium)('the dashboard in Chromium', () => {
  let out: string;
  let server: DashboardServer;
  let browser: Chromium;
  let page: Page;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'attnkit-dashboard-'));
    await buildDashboard(out);
    server = await serveDashboard({ port: 0, dir: out, files: [FIXTURE] });
    browser = await launchChromium({ webgpu: 'swiftshader', viewport: { width: 1280, height: 1600 } });
    page = browser.page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
    expect(errors).toEqual([]);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('loads the results file named in the address', async () => {
    expect(await page.textContent('#errors')).toBe('');
    expect(await page.locator('#runs li').count()).toBe(1);
    expect(await page.textContent('#runs li')).toContain('results-small.json');
  });

  it('draws every point of the default family on the four charts', async () => {
    const file = validateResults(JSON.parse(readFileSync(FIXTURE, 'utf8')));
    const runs = [{ id: 1, label: 'fixture', file }];
    const family = familiesOf(runs)[0]!.family;
    expect(await page.inputValue('#family')).toBe(family);
    for (const metric of ['time', 'gflops', 'ratio', 'memory'] as const) {
      const expected = buildSeries(runs, family, metric).reduce((n, s) => n + s.points.length, 0);
      expect(expected).toBeGreaterThan(0);
      expect(await page.getAttribute(`#chart-${metric}`, 'data-points')).toBe(String(expected));
    }
  });

  it('has pixels on every chart canvas: lines, points, axes and legends were painted', async () => {
    const painted = await page.$$eval('figure.chart canvas', (canvases) =>
      canvases.map((c) => {
        const canvas = c as HTMLCanvasElement;
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        const colours = new Set<number>();
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! > 0) {
            inked++;
            colours.add(((data[i]! >> 4) << 8) | ((data[i + 1]! >> 4) << 4) | (data[i + 2]! >> 4));
          }
        }
        return { inked, colours: colours.size, size: canvas.width * canvas.height };
      }),
    );
    expect(painted).toHaveLength(4);
    for (const p of painted) {
      expect(p.inked / p.size).toBeGreaterThan(0.01);
      expect(p.colours).toBeGreaterThan(5); // several engines' colours, not one blank fill
    }
  });

  it('lists the results in the table, with skip reasons for engines that did not run', async () => {
    await page.check('#table-all');
    const rows = await page.locator('#table-body tr').count();
    const file = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { results: unknown[] };
    expect(rows).toBe(file.results.length);
  });

  it('runs the browser backends live in the page, on the software WebGPU adapter, and adds them to the charts', async () => {
    await page.$$eval('#live-engines input', (inputs) =>
      inputs.forEach((i) => ((i as HTMLInputElement).checked = false)),
    );
    for (const id of [
      'ts',
      'webgpu',
      'ortweb-wasm',
      'ortweb-wasm-mha',
      'ortweb-webgpu',
      'ortweb-webgpu-matmul',
      'tfjs-webgpu-ops',
      'tfjs-webgl-ops',
    ])
      await page.check(`#live-engines input[value="${id}"]`);
    await page.selectOption('#live-preset', 'tiny');
    await page.click('#live-start');
    await page.waitForSelector('body[data-live="done"], body[data-live="failed"]', { timeout: 200_000 });
    expect(await page.getAttribute('body', 'data-live')).toBe('done');
    expect(await page.locator('#runs li').count()).toBe(2);
    await page.fill('#table-filter', 'this browser');
    const rows = await page.$$eval('#table-body tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    const ok = (engine: string) =>
      rows.filter((r) => r[0] === 'this browser' && (r[2] === engine || r[2] === `${engine} (peer)`) && r[11] === 'ok')
        .length;
    // The tiny preset: S 32, 64, causal 64, causal 64 in float16, a grouped decode step, the encoder.
    expect(ok('ts')).toBe(6);
    if (WEBGPU_BUILT) expect(ok('webgpu')).toBe(6);
    // The peers run their attention cases (the Attention operator and MultiHeadAttention have no encoder;
    // MultiHeadAttention no grouped heads), every output checked against the reference. float16: the
    // Attention operator's float16 kernel on WebAssembly runs it; MultiHeadAttention has none there, and the
    // WebGPU provider needs shader-f16, which the software adapter lacks; TensorFlow.js has no float16.
    expect(ok('ortweb-wasm')).toBe(5);
    expect(ok('ortweb-wasm-mha')).toBe(3);
    expect(ok('ortweb-webgpu')).toBe(3);
    // The plain MatMul/Softmax graph on the WebGPU provider: every case but float16, the encoder included.
    expect(ok('ortweb-webgpu-matmul')).toBe(5);
    expect(ok('tfjs-webgpu-ops')).toBe(5);
    expect(ok('tfjs-webgl-ops')).toBe(5);
    const half = 'float16 causal B1 H2 S64 D16'; // describeCase of the float16 case
    const row = (engine: string) => rows.find((r) => r[0] === 'this browser' && r[1] === half && r[2] === engine);
    expect(row('ortweb-wasm (peer)')?.[11]).toBe('ok');
    expect(row('ortweb-webgpu (peer)')?.join(' ')).toMatch(/lacks shader-f16/);
    expect(row('ortweb-wasm-mha (peer)')?.join(' ')).toMatch(/no float16 MultiHeadAttention kernel/);
    expect(row('tfjs-webgpu-ops (peer)')?.join(' ')).toMatch(/no float16 attention/);
    expect(rows.filter((r) => r[0] === 'this browser' && /differs/i.test(r.join(' '))).map((r) => r[2])).toEqual([]);
    // the live run's family is now in the family list, and charting it draws its points
    await page.selectOption('#family', 'attention/none/B1-H2-D16');
    // S32 and S64 of each engine: ts, webgpu and the six peers
    expect(Number(await page.getAttribute('#chart-time', 'data-points'))).toBe(WEBGPU_BUILT ? 16 : 14);
  }, 240_000);
});
