/**
 * The suite in headless Chromium: the page (backend browser entry + conformance cases, bundled with
 * esbuild) is served on 127.0.0.1 and driven with playwright-core against the system's Chromium, whose
 * WebGPU runs on SwiftShader. Under CI a missing Chromium is a failure (scripts/setup-system.sh installs it).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadVectorFiles } from '@attnkit/conformance';
import { chromiumMissing, launchChromium, type Chromium } from '@attnkit/local-web/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundlePage } from './browser-test/bundle.js';
import type { PageRun } from './browser-test/page.js';
import type { WebGpuProbeResult } from './index.js';

const missing = chromiumMissing();
const available = missing === undefined;

type Api = {
  probe(): Promise<WebGpuProbeResult>;
  run(filter: string, vectors: unknown[], options?: { subgroups?: boolean }): Promise<PageRun>;
};

type Call = <R, A>(f: (api: Api, arg: A) => Promise<R>, arg?: A) => Promise<R>;

async function withPage<T>(url: string, webgpu: boolean, use: (call: Call) => Promise<T>): Promise<T> {
  let browser: Chromium | undefined;
  try {
    browser = await launchChromium({ webgpu: webgpu ? 'default' : false });
    const page = browser.page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page
      .waitForFunction(() => document.title === 'attnkit ready', undefined, { timeout: 30_000 })
      .catch(() => {
        throw new Error(`the page did not start: ${errors.join('; ') || 'no error reported'}`);
      });
    // The function runs in the page: it gets the page's api and a JSON copy of `arg`.
    return await use(
      (f, arg) => page.evaluate(`(${f.toString()})(globalThis.attnkit, ${JSON.stringify(arg ?? null)})`) as never,
    );
  } finally {
    await browser?.close();
  }
}

describe.skipIf(!available && !process.env.CI)(`headless Chromium${available ? '' : ` — skipped: ${missing}`}`, () => {
  let server: Server;
  let url = '';
  let inputs: string[] = [];

  beforeAll(async () => {
    if (missing !== undefined) throw new Error(missing);
    const page = await bundlePage();
    inputs = page.inputs;
    const html =
      '<!doctype html><meta charset="utf-8"><title>attnkit</title><script type="module" src="/page.js"></script>';
    server = createServer((req, res) => {
      if (req.url === '/page.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(page.script);
      else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      else res.writeHead(404).end();
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it('the browser bundle contains neither the webgpu package nor node: modules', () => {
    expect(inputs.some((f) => f.includes('backend-webgpu/src/index.ts'))).toBe(true);
    expect(inputs.filter((f) => /node_modules\/webgpu|node-gpu|^node:/.test(f))).toEqual([]);
  });

  it('runs the whole conformance suite with --enable-unsafe-webgpu, and the subgroup variant on the attention cases', async () => {
    const { probe, run, lanes } = await withPage(url, true, (call) =>
      call(
        async (api, vectors) => ({
          probe: await api.probe(),
          run: await api.run('.', vectors),
          lanes: await api.run('^attention/', [], { subgroups: true }),
        }),
        loadVectorFiles(),
      ),
    );
    expect(probe.available).toBe(true);
    expect(probe.adapter?.name).toBeTruthy();
    for (const r of [run, lanes]) {
      expect(r.outcomes.filter((o) => o.status !== 'passed')).toEqual([]);
      expect(r.uncaptured).toEqual([]);
    }
    // Every vector file ran, and each float16 one a second time with float16 inputs.
    const files = loadVectorFiles();
    const vectorRuns = run.outcomes.filter((o) => o.id.startsWith('peer-vectors/'));
    expect(vectorRuns.filter((o) => !o.id.endsWith('/float16-inputs')).length).toBe(files.length);
    expect(vectorRuns.filter((o) => o.id.endsWith('/float16-inputs')).length).toBe(
      files.filter((f) => [...f.inputs, ...f.outputs].some((x) => x.dtype === 'float16')).length,
    );
    expect(run.outcomes.length).toBeGreaterThan(350);
    expect(lanes.outcomes.length).toBeGreaterThan(250);
    console.log(`[browser] ${run.outcomes.length} + ${lanes.outcomes.length} cases passed on ${probe.reason}`);
  }, 600_000);

  it('without --enable-unsafe-webgpu the probe reports unavailable with a reason', async () => {
    const probe = await withPage(url, false, (call) => call((api) => api.probe()));
    expect(probe.available).toBe(false);
    expect(probe.reason).toMatch(/WebGPU|adapter|navigator\.gpu/);
    console.log(`[browser] without the flag: ${probe.reason}`);
  }, 120_000);
});
