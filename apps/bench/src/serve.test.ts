import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawGet } from '@attnkit/local-web';
import { serveDashboard, type DashboardServer } from './serve.js';

// The server's guards (loopback Host only, malformed percent-encoding, containment) are tested once, in
// @attnkit/local-web; these tests hold what the dashboard adds: the results routes and cross-origin isolation.
let server: DashboardServer;
let root: string;
const get = (path: string, host?: string) => rawGet(server.port, path, host);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'bench-serve-'));
  const dir = join(root, 'dashboard');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dashboard</title>');
  writeFileSync(join(root, 'results.json'), '{}');
  server = await serveDashboard({ port: 0, dir, files: [join(root, 'results.json')] });
});

afterAll(() => server?.close());

describe('the dashboard server', () => {
  it('serves the page and the results files, and links them in its URL', async () => {
    expect(await get('/')).toMatchObject({ status: 200, body: '<!doctype html><title>dashboard</title>' });
    expect(await get('/results/0/results.json')).toEqual({ status: 200, body: '{}' });
    expect(server.url).toBe(
      `http://127.0.0.1:${server.port}/?results=${encodeURIComponent('/results/0/results.json')}`,
    );
  });

  it('isolates the page cross-origin (fine-grained timers, wasm threads)', async () => {
    const res = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });

  it('answers only to loopback names and stays inside its folder', async () => {
    expect((await get('/', 'evil.example')).status).toBe(403);
    expect((await get('/..%2fresults.json')).status).toBe(403);
  });

  it('refuses a results file that does not exist, and a folder with no page', async () => {
    await expect(
      serveDashboard({ port: 0, dir: join(root, 'dashboard'), files: [join(root, 'nope.json')] }),
    ).rejects.toThrow(/no such results file/);
    await expect(serveDashboard({ port: 0, dir: root })).rejects.toThrow(/dashboard is not built/);
  });
});
