import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isInside, serveLocal, type LocalServer } from './local-server.js';
import { rawGet } from './raw-get.js';

let server: LocalServer;
const get = (path: string, host?: string) => rawGet(server.port, path, host);

beforeAll(async () => {
  const parent = mkdtempSync(join(tmpdir(), 'local-web-'));
  const root = join(parent, 'web-dist');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'index.html'), 'page');
  writeFileSync(join(root, 'sub', 'a.txt'), 'inside');
  writeFileSync(join(root, 'sub', 'index.html'), 'sub page');
  writeFileSync(join(root, '..notes.txt'), 'dots in a name');
  // A sibling whose name starts with the root's name, and a file beside the root.
  mkdirSync(join(parent, 'web-dist-secret'));
  writeFileSync(join(parent, 'web-dist-secret', 'a.txt'), 'secret');
  writeFileSync(join(parent, 'web-dist.txt'), 'secret');
  writeFileSync(join(parent, 'results.json'), '{}');
  server = await serveLocal({
    root,
    routes: new Map([['/results/0/results.json', join(parent, 'results.json')]]),
    headers: { 'x-test': 'yes' },
  });
});

afterAll(() => server?.close());

describe('serveLocal', () => {
  it('serves files under its root, index.html for a folder, and the extra routes', async () => {
    expect(await get('/')).toEqual({ status: 200, body: 'page' });
    expect(await get('/sub/a.txt')).toEqual({ status: 200, body: 'inside' });
    expect(await get('/sub/')).toEqual({ status: 200, body: 'sub page' });
    expect(await get('/..notes.txt')).toEqual({ status: 200, body: 'dots in a name' });
    expect(await get('/results/0/results.json')).toEqual({ status: 200, body: '{}' });
    expect(await get('/nothing-here.js')).toEqual({ status: 404, body: 'not found' });
  });

  it('sends its content type and the extra headers', async () => {
    const res = await fetch(`${server.url}sub/a.txt`);
    expect(res.headers.get('x-test')).toBe('yes');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(server.url)).headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it("serves nothing outside its root, not even a sibling whose name starts with the root's", async () => {
    for (const path of [
      '/..%2fweb-dist-secret/a.txt',
      '/%2e%2e%2fweb-dist-secret%2fa.txt',
      '/..%2fweb-dist.txt',
      '/sub/..%2f..%2f..%2fweb-dist-secret/a.txt',
      '/..%2fresults.json',
    ]) {
      expect(await get(path), path).toEqual({ status: 403, body: 'forbidden' });
    }
  });

  it('answers 400 to malformed percent-encoding and keeps serving', async () => {
    for (const path of ['/%', '/%c0%ae', '/sub/%ZZ', '/%E0%A4%A', '/results/0/%ZZ']) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body).toMatch(/malformed percent-encoding/);
    }
    expect((await get('/sub/a.txt')).status).toBe(200);
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
      '10.0.0.1',
      '0.0.0.0',
      '[::2]',
      `localhost:${port}x`,
      `127.0.0.1:${port}/`,
    ]) {
      const r = await get('/', host);
      expect(r.status, host).toBe(403);
      expect(r.body).toMatch(/Host/);
    }
    expect((await get('/sub/a.txt')).status).toBe(200);
  });
});

describe('isInside', () => {
  it('holds the root and what is below it, and nothing beside or above it', () => {
    expect(isInside('/a/root', '/a/root')).toBe(true);
    expect(isInside('/a/root', '/a/root/x/y')).toBe(true);
    expect(isInside('/a/root', '/a/root/..x')).toBe(true);
    expect(isInside('/a/root', '/a/root-secret/x')).toBe(false);
    expect(isInside('/a/root', '/a')).toBe(false);
    expect(isInside('/a/root', '/b/root')).toBe(false);
  });
});
