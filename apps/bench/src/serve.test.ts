import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveDashboard, type DashboardServer } from './serve.js';

let server: DashboardServer;

/** One raw request: the path is sent as written (no normalising or encoding), with the given Host. */
async function get(path: string, host = `127.0.0.1:${server.port}`): Promise<{ status: number; body: string }> {
  const res = await new Promise<IncomingMessage>((ok, fail) =>
    request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, ok).on('error', fail).end(),
  );
  return { status: res.statusCode ?? 0, body: await text(res) };
}

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'bench-serve-'));
  const dir = join(root, 'dashboard');
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>dashboard</title>');
  writeFileSync(join(root, 'results.json'), '{}');
  server = await serveDashboard({ port: 0, dir, files: [join(root, 'results.json')] });
});

afterAll(() => server?.close());

describe('the dashboard server', () => {
  it('serves the page and the results files', async () => {
    expect(await get('/')).toMatchObject({ status: 200, body: '<!doctype html><title>dashboard</title>' });
    expect(await get('/results/0/results.json')).toEqual({ status: 200, body: '{}' });
  });

  it('answers 400 to malformed percent-encoding and keeps serving', async () => {
    for (const path of ['/%', '/%c0%ae', '/results/0/%ZZ', '/%E0%A4%A']) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body).toMatch(/malformed percent-encoding/);
    }
    expect((await get('/index.html')).status).toBe(200);
  });

  it('serves only loopback Host names (a defence against DNS rebinding)', async () => {
    const port = server.port;
    for (const host of ['127.0.0.1', `127.0.0.1:${port}`, 'localhost', `LocalHost:${port}`, '[::1]', `[::1]:${port}`]) {
      expect((await get('/', host)).status, host).toBe(200);
    }
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      '127.0.0.2',
      '[::2]',
      `localhost:${port}x`,
      '0.0.0.0',
    ]) {
      const r = await get('/', host);
      expect(r.status, host).toBe(403);
      expect(r.body).toMatch(/Host/);
    }
    expect((await get('/index.html')).status).toBe(200);
  });
});
