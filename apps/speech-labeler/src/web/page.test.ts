/**
 * The page in headless Chromium: a dropped WAV is labelled in the browser (backend-ts) and the
 * spectrogram, labels and attention are drawn. Needs Debian's `chromium`; skipped without it, except
 * under CI where it must run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from 'node:http';
import wavefile from 'wavefile';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type Chromium } from '@attnkit/local-web/chromium';
import { CLASSES } from '../labels/classes.js';
import { serveStatic, WEB_ROOT } from '../serve/static-server.js';

const app = join(dirname(fileURLToPath(import.meta.url)), '../..');
const missing = chromiumMissing();
if (missing !== undefined && process.env.CI) throw new Error(missing);
if (missing !== undefined) console.warn(`skipping the page tests: ${missing}`);
const available = missing === undefined;

/** 1.23 s at 22050 Hz, stereo, 16-bit: a vowel-like buzz, a hiss and a pause. */
function testWav(): { bytes: Uint8Array; frames: number } {
  const rate = 22050,
    n = Math.round(1.23 * rate);
  const left: number[] = [],
    right: number[] = [];
  let seed = 1;
  const noise = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const buzz = t < 0.5 ? 0.3 * Math.sign(Math.sin(2 * Math.PI * 120 * t)) * Math.sin(2 * Math.PI * 700 * t) : 0;
    const hiss = t > 0.6 && t < 0.9 ? 0.2 * noise() : 0.002 * noise();
    left.push(Math.round((buzz + hiss) * 32767));
    right.push(Math.round((buzz - hiss) * 0.5 * 32767));
  }
  const w = new wavefile.WaveFile();
  w.fromScratch(2, rate, '16', [left, right]);
  // Frames at 16 kHz: ceil(samples / 160) of ceil(n · 16000 / 22050) samples.
  return { bytes: w.toBuffer(), frames: Math.ceil(Math.ceil((n * 16000) / rate) / 160) };
}

/** Distinct colours and non-transparent pixels of a canvas. */
async function canvasStats(page: Page, id: string): Promise<{ colours: number; painted: number; total: number }> {
  return page.evaluate((cid) => {
    const c = document.getElementById(cid) as HTMLCanvasElement;
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const set = new Set<number>();
    let painted = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3]! > 0) painted++;
      set.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    }
    return { colours: set.size, painted, total: d.length / 4 };
  }, id);
}

describe.skipIf(!available)('the web page (headless Chromium)', () => {
  let browser: Chromium, server: Server, url: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [join(app, 'scripts/build-web.mjs')], { stdio: 'inherit' });
    ({ server, url } = await serveStatic(WEB_ROOT, 0));
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((ok) => (server ? server.close(ok) : ok(undefined)));
  });

  /** A fresh page on backend-ts, ready for a file, and the errors it throws. */
  async function readyPage(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${url}?backend=ts`);
    await page.waitForSelector('body[data-state="ready"]');
    return { page, errors };
  }

  it('labels a dropped WAV file and draws the spectrogram, the labels and the attention matrix', async () => {
    const { page, errors } = await readyPage();
    const { bytes, frames } = testWav();
    await page.setInputFiles('#file', { name: 'buzz.wav', mimeType: 'audio/wav', buffer: Buffer.from(bytes) });
    await page.waitForSelector('body[data-state="done"]');
    const r = await page.evaluate(() => window.speechLabeler!);
    expect(r.backend).toBe('ts');
    expect(r.frames).toBe(frames);
    expect(r.labels).toHaveLength(frames);
    expect(r.labels.every((l) => Number.isInteger(l) && l >= 0 && l < 8)).toBe(true);
    expect(r.attention).toEqual({ layer: 0, head: 0, size: frames });
    const spec = await canvasStats(page, 'spectrogram');
    expect(spec.painted).toBe(spec.total);
    expect(spec.colours).toBeGreaterThan(20);
    const att = await canvasStats(page, 'attention');
    expect(att.colours).toBeGreaterThan(5);
    const labels = await canvasStats(page, 'labels');
    expect(labels.painted).toBeGreaterThan(labels.total / 2);
    // Another layer and head redraw the attention matrix.
    await page.selectOption('#layer', '1');
    await page.selectOption('#head', '2');
    await page.waitForFunction(
      () => window.speechLabeler?.attention?.layer === 1 && window.speechLabeler.attention.head === 2,
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('labels with TensorFlow.js (WebAssembly) as with backend-ts', async () => {
    const page = await browser.context.newPage();
    const { bytes } = testWav();
    const run = async (
      backend: string,
    ): Promise<{ backend: string; backendInfo: Record<string, unknown>; labels: number[] }> => {
      await page.goto(`${url}?backend=${backend}`);
      await page.waitForSelector('body[data-state="ready"]');
      await page.setInputFiles('#file', { name: 'buzz.wav', mimeType: 'audio/wav', buffer: Buffer.from(bytes) });
      await page.waitForSelector('body[data-state="done"]');
      return page.evaluate(() => window.speechLabeler!);
    };
    const ts = await run('ts'),
      tfjs = await run('tfjs');
    expect(tfjs.backend).toBe('tfjs');
    expect(tfjs.backendInfo.tfjsBackend).toBe('wasm'); // its binaries were found beside the page
    const same = tfjs.labels.filter((l, i) => l === ts.labels[i]).length;
    expect(same / ts.labels.length).toBeGreaterThanOrEqual(0.99);
    await page.close();
  });

  it('labels with float16 weights (?dtype=float16) as in float32, and refuses them on TensorFlow.js', async () => {
    const page = await browser.context.newPage();
    const { bytes } = testWav();
    const run = async (query: string) => {
      await page.goto(`${url}?${query}`);
      await page.waitForSelector('body[data-state="ready"]');
      await page.setInputFiles('#file', { name: 'buzz.wav', mimeType: 'audio/wav', buffer: Buffer.from(bytes) });
      await page.waitForSelector('body[data-state="done"]');
      return page.evaluate(() => window.speechLabeler!);
    };
    const full = await run('backend=ts'),
      half = await run('backend=ts&dtype=float16');
    expect(full.dtype).toBe('float32');
    expect(half.dtype).toBe('float16');
    expect(await page.textContent('#run-info')).toContain('(float16 weights)');
    const same = half.labels.filter((l, i) => l === full.labels[i]).length;
    expect(same / full.labels.length).toBeGreaterThanOrEqual(0.99);
    await page.goto(`${url}?backend=tfjs&dtype=float16`);
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.textContent('#status')).toMatch(/backend "tfjs" lacks the feature models:float16/);
    await page.close();
  });

  it('draws the axes, plays with a moving cursor, reads out on hover, offers downloads and shows the run', async () => {
    const { page, errors } = await readyPage();
    const freq = await canvasStats(page, 'freq-axis');
    expect(freq.painted).toBeGreaterThan(0); // drawn with the model, before any file
    const { bytes } = testWav();
    await page.setInputFiles('#file', { name: 'buzz.wav', mimeType: 'audio/wav', buffer: Buffer.from(bytes) });
    await page.waitForSelector('body[data-state="done"]');
    const r = await page.evaluate(() => window.speechLabeler!);
    expect((await canvasStats(page, 'time-axis')).painted).toBeGreaterThan(0);
    expect(r.timings.total).toBeGreaterThan(0);
    expect(r.timings.total).toBeGreaterThanOrEqual(r.timings.model);
    expect(await page.textContent('#run-info')).toMatch(/^Labelled on ts in \d+ ms \(features \d+ ms, model \d+ ms\)/);

    // Downloads: the labels in each format, named after the file.
    const downloads = await page.evaluate(async () => {
      const out: Record<string, { name: string; text: string }> = {};
      for (const f of ['json', 'textgrid', 'csv']) {
        const a = document.getElementById(`download-${f}`) as HTMLAnchorElement;
        out[f] = { name: a.download, text: await (await fetch(a.href)).text() };
      }
      return out;
    });
    expect(downloads.json!.name).toBe('buzz.json');
    expect(downloads.textgrid!.name).toBe('buzz.TextGrid');
    expect(downloads.csv!.name).toBe('buzz.csv');
    const segments = (JSON.parse(downloads.json!.text) as { segments: { label: string }[] }).segments;
    expect(segments).toHaveLength(r.segments);
    expect(downloads.csv!.text.trim().split('\n')).toHaveLength(r.segments + 1);
    expect(downloads.textgrid!.text).toContain(`intervals: size = ${r.segments}`);

    // Hover: the frame under the pointer, its label (the one the labelling gave) and the attention weight.
    const box = (await page.locator('#spectrogram').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height - 2);
    const read = (await page.textContent('#readout'))!;
    const m = /^(\d+\.\d{3}) s \(frame (\d+)\): (\w+), confidence (\d\.\d\d); band 0 \((\d+) Hz\)$/.exec(read);
    expect(m, read).not.toBeNull();
    const frame = Number(m![2]);
    expect(frame).toBe(Math.floor(0.25 * r.frames));
    expect(m![3]).toBe(CLASSES[r.labels[frame]!]);
    expect(Number(m![1])).toBeCloseTo((frame + 0.5) * 0.01, 5);
    const att = (await page.locator('#attention').boundingBox())!;
    await page.mouse.move(att.x + 1, att.y + 1);
    expect(await page.textContent('#readout')).toMatch(
      /^query 0\.005 s → key 0\.005 s: attention weight (0\.\d{4}|1\.0000)$/,
    );

    // Playback moves the cursor along the tracks; Stop hides it.
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('cursor')!.dataset.time ?? 0) > 0.05, undefined, {
      timeout: 10_000,
    });
    const left = await page.evaluate(() => parseFloat(document.getElementById('cursor')!.style.left));
    expect(left).toBeGreaterThan(0);
    expect(await page.textContent('#play')).toBe('Stop');
    await page.click('#play');
    expect(await page.evaluate(() => document.getElementById('cursor')!.style.display)).toBe('none');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says which file is bad and why', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${url}?backend=ts`);
    await page.waitForSelector('body[data-state="ready"]');
    await page.setInputFiles('#file', {
      name: 'notes.wav',
      mimeType: 'audio/wav',
      buffer: Buffer.from('just some text, not audio'),
    });
    await page.waitForSelector('body[data-state="error"]');
    expect(await page.textContent('#status')).toMatch(/^notes\.wav: not a WAV file/);
    await page.close();
  });
});
