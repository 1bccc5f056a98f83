import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawGet } from '@attnkit/local-web';
import { serveStatic } from './static-server.js';

// The server's guards (loopback Host only, malformed percent-encoding, containment) are tested once, in
// @attnkit/local-web; this holds that the page's server is that server, rooted where it is asked to be.
let server: Server;
let port: number;

beforeAll(async () => {
  const parent = mkdtempSync(join(tmpdir(), 'static-server-'));
  const root = join(parent, 'web-dist');
  mkdirSync(root);
  writeFileSync(join(root, 'index.html'), 'page');
  writeFileSync(join(root, 'model.safetensors'), 'weights');
  writeFileSync(join(parent, 'web-dist.txt'), 'secret');
  ({ server } = await serveStatic(root, 0));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

describe('the static server of the page', () => {
  it('serves the page and its model from its root', async () => {
    expect(await rawGet(port, '/')).toEqual({ status: 200, body: 'page' });
    expect(await rawGet(port, '/model.safetensors')).toEqual({ status: 200, body: 'weights' });
  });

  it('answers only to loopback names and stays inside its root', async () => {
    expect((await rawGet(port, '/', 'evil.example')).status).toBe(403);
    expect(await rawGet(port, '/..%2fweb-dist.txt')).toEqual({ status: 403, body: 'forbidden' });
  });
});
