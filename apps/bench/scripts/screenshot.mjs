#!/usr/bin/env node
// Screenshot of the dashboard with results files loaded, in headless Chromium (for the README).
//
// Usage (after `pnpm --filter @attnkit/bench build`):
//   node apps/bench/scripts/screenshot.mjs --out apps/bench/docs/dashboard.png [--axis seq|heads|headDim|batch] [--family GROUP] [--live] RESULTS.json...
// --live also runs the browser backends in the page (tiny preset) before the picture is taken.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { launchChromium } from '@attnkit/local-web/chromium';
import { serveDashboard } from '../dist/serve.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: 'dashboard.png' },
    axis: { type: 'string' },
    family: { type: 'string' },
    live: { type: 'boolean', default: false },
    width: { type: 'string', default: '1280' },
  },
});
const server = await serveDashboard({ port: 0, files: positionals.map((f) => resolve(f)) });
const browser = await launchChromium({ webgpu: 'swiftshader', viewport: { width: Number(values.width), height: 900 } });
try {
  const page = browser.page;
  await page.goto(server.url);
  await page.waitForSelector('body[data-state="ready"]');
  if (values.live) {
    await page.selectOption('#live-preset', 'tiny');
    await page.click('#live-start');
    await page.waitForSelector('body[data-live="done"], body[data-live="failed"]', { timeout: 300_000 });
  }
  if (values.axis) await page.selectOption('#axis', values.axis);
  if (values.family) await page.selectOption('#family', values.family);
  await page.screenshot({ path: values.out, fullPage: true });
  console.log(`wrote ${values.out}`);
} finally {
  await browser.close();
  await server.close();
}
