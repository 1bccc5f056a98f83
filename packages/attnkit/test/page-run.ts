/**
 * Opens a test page in headless Chromium, counting the attention-pool workers it starts and those that
 * report ready (a worker whose script 404s never does; TensorFlow.js's own threads say other things), and
 * returns what the page wrote into `#out` as JSON.
 */
import { launchChromium } from '@attnkit/local-web/chromium';

/** What {@link openPage} returns: the page's JSON and the workers it counted. */
export interface PageRun<T> {
  readonly result: T;
  readonly workers: { readonly started: number; readonly answered: number };
}

const COUNT_WORKERS = `
  const counts = { started: 0, answered: 0 };
  globalThis.__workers = counts;
  const Base = globalThis.Worker;
  globalThis.Worker = class extends Base {
    constructor(...args) {
      super(...args);
      counts.started++;
      this.addEventListener('message', (e) => { if (e.data && e.data.type === 'ready') counts.answered++; });
    }
  };`;

/** Loads `url`, waits for `#out` to be written (90 s at most) and returns it parsed, with the worker counts. */
export async function openPage<T>(url: string, webgpu: 'swiftshader' | false): Promise<PageRun<T>> {
  const browser = await launchChromium({ webgpu });
  try {
    const p = browser.page;
    await p.addInitScript({ content: COUNT_WORKERS });
    await p.goto(url);
    await p.waitForFunction("(document.getElementById('out')?.textContent ?? '').length > 0", undefined, {
      timeout: 90_000,
    });
    const result = JSON.parse((await p.textContent('#out'))!) as T;
    const workers = await p.evaluate(() => (globalThis as unknown as { __workers: PageRun<T>['workers'] }).__workers);
    return { result, workers };
  } finally {
    await browser.close();
  }
}
