#!/usr/bin/env node
// Runs the dashboard's "Run in this browser" in headless Chromium and writes the results file it offers,
// for the engines and preset given (the page's own timing loop, limits, ratios and output checks).
//
// Usage (after `pnpm --filter @attnkit/bench build`):
//   node apps/bench/scripts/browser-run.mjs [--engines webgpu,ortweb-webgpu] [--preset tiny|quick|gpu]
//     [--webgpu swiftshader|default] [--out bench-browser.json]
// --webgpu default takes the browser's own adapter (a real GPU where there is one); swiftshader, the
// software one. Prints the same tables as `pnpm bench`, and writes the results file (open it with
// `pnpm bench serve FILE`).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { launchChromium } from '@attnkit/local-web/chromium';
import { serveDashboard } from '../dist/serve.js';
import { formatCaseTables, formatRatioMatrix } from '../dist/table.js';
import { validateResults } from '../dist/results-schema.js';

const { values } = parseArgs({
  options: {
    engines: { type: 'string', default: 'webgpu,ortweb-webgpu' },
    preset: { type: 'string', default: 'quick' },
    webgpu: { type: 'string', default: 'swiftshader' },
    out: { type: 'string', default: 'bench-browser.json' },
    timeout: { type: 'string', default: '1800' },
  },
});
if (!['tiny', 'quick', 'gpu'].includes(values.preset))
  throw new Error(`--preset: tiny, quick or gpu, not ${values.preset}`);
if (!['swiftshader', 'default'].includes(values.webgpu))
  throw new Error(`--webgpu: swiftshader or default, not ${values.webgpu}`);

const server = await serveDashboard({ port: 0, files: [] });
const browser = await launchChromium({ webgpu: values.webgpu });
try {
  const page = browser.page;
  await page.goto(server.url);
  await page.waitForSelector('body[data-state="ready"]');
  const offered = await page.$$eval('#live-engines input', (inputs) => inputs.map((i) => i.value));
  const wanted = values.engines.split(',').map((s) => s.trim());
  const unknown = wanted.filter((id) => !offered.includes(id));
  if (unknown.length > 0)
    throw new Error(`not offered in the page: ${unknown.join(', ')} (offered: ${offered.join(', ')})`);
  await page.$$eval('#live-engines input', (inputs) => inputs.forEach((i) => (i.checked = false)));
  for (const id of wanted) await page.check(`#live-engines input[value="${id}"]`);
  await page.selectOption('#live-preset', values.preset);
  await page.click('#live-start');
  let last = '';
  const progress = setInterval(async () => {
    const text = (await page.textContent('#live-status').catch(() => '')) ?? '';
    if (text !== last) process.stderr.write(`${(last = text)}\n`);
  }, 5000);
  try {
    await page.waitForSelector('body[data-live="done"], body[data-live="failed"]', {
      timeout: Number(values.timeout) * 1000,
    });
  } finally {
    clearInterval(progress);
  }
  if ((await page.getAttribute('body', 'data-live')) !== 'done')
    throw new Error(`the run failed: ${await page.textContent('#live-status')}`);
  const json = await page.$eval('#live-status a', (a) => fetch(a.href).then((r) => r.text()));
  const file = validateResults(JSON.parse(json));
  writeFileSync(values.out, json);
  console.log(`${formatCaseTables(file)}\n`);
  console.log(formatRatioMatrix(file));
  console.log(`results: ${values.out}`);
} finally {
  await browser.close();
  await server.close();
}
