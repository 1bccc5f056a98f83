import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { request, type IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from './static-server.js';

let server: Server;
let port: number;

/** One raw request: the path is sent as written (no normalising or encoding), with the given Host. */
async function get(path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: string }> {
  const res = await new Promise<IncomingMessage>((ok, fail) =>
    request({ host: '127.0.0.1', port: port, path, headers: { host } }, ok).on('error', fail).end(),
  );
  return { status: res.statusCode ?? 0, body: await text(res) };
}

beforeAll(async () => {
  const parent = mkdtempSync(join(tmpdir(), 'static-server-'));
  const root = join(parent, 'web-dist');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), 'page');
  writeFileSync(join(root, 'sub', 'a.txt'), 'inside');
  writeFileSync(join(root, '..notes.txt'), 'dots in a name');
  // A sibling whose name starts with the root's name, and a file beside the root.
  mkdirSync(join(parent, 'web-dist-secret'));
  writeFileSync(join(parent, 'web-dist-secret', 'a.txt'), 'secret');
  writeFileSync(join(parent, 'web-dist.txt'), 'secret');
  ({ server } = await serveStatic(root, 0));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe('the static server of the page', () => {
  it('serves files under its root, and index.html for a folder', async () => {
    expect(await get('/')).toEqual({ status: 200, body: 'page' });
    expect(await get('/sub/a.txt')).toEqual({ status: 200, body: 'inside' });
    expect(await get('/..notes.txt')).toEqual({ status: 200, body: 'dots in a name' });
  });

  it("serves nothing outside its root, not even a sibling whose name starts with the root's", async () => {
    for (const path of [
      '/..%2fweb-dist-secret/a.txt',
      '/%2e%2e%2fweb-dist-secret%2fa.txt',
      '/..%2fweb-dist.txt',
      '/sub/..%2f..%2f..%2fweb-dist-secret/a.txt',
    ]) {
      expect(await get(path), path).toEqual({ status: 403, body: 'forbidden' });
    }
  });

  it('answers 400 to malformed percent-encoding and keeps serving', async () => {
    for (const path of ['/%', '/%c0%ae', '/sub/%ZZ']) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body).toMatch(/malformed percent-encoding/);
    }
    expect((await get('/sub/a.txt')).status).toBe(200);
  });

  it('serves only loopback Host names (a defence against DNS rebinding)', async () => {
    for (const host of ['127.0.0.1', `127.0.0.1:${port}`, 'localhost', `LOCALHOST:${port}`, '[::1]', `[::1]:${port}`]) {
      expect((await get('/', host)).status, host).toBe(200);
    }
    for (const host of [
      'evil.example',
      `evil.example:${port}`,
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      '10.0.0.1',
      '[::2]',
      `127.0.0.1:${port}/`,
    ]) {
      const r = await get('/', host);
      expect(r.status, host).toBe(403);
      expect(r.body).toMatch(/Host/);
    }
  });
});
