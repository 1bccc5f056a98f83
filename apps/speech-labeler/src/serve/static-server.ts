/**
 * A small static file server on 127.0.0.1 for the built page (`web-dist/`).
 * `node dist/serve/static-server.js [--port 8080]`
 *
 * It serves only files inside its root, answers 403 to a `Host` that is not a loopback name (see
 * `loopback-host.ts`) and 400 to a path with malformed percent-encoding.
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopbackHost } from './loopback-host.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.safetensors': 'application/octet-stream',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.css': 'text/css',
};

/** The built page, beside this package's `dist/`. */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web-dist');

/** True when `file` is `root` or lies inside it (both absolute); a sibling such as `root-secret` is not. */
function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The request target's path, percent-decoded; undefined when it does not parse or decode. */
function requestPath(target: string | undefined): string | undefined {
  try {
    return decodeURIComponent(new URL(target ?? '/', 'http://127.0.0.1').pathname);
  } catch {
    return undefined; // URIError from the decoding, TypeError from a target that is not a URL
  }
}

/** Serves `root` on 127.0.0.1:`port` (0 = any free port); resolves once listening. */
export function serveStatic(root: string = WEB_ROOT, port = 0): Promise<{ server: Server; url: string }> {
  const base = resolve(root);
  const server = createServer(async (req, res) => {
    if (!isLoopbackHost(req.headers.host)) {
      const host =
        req.headers.host === undefined ? 'no Host header' : `Host ${JSON.stringify(req.headers.host.slice(0, 100))}`;
      res
        .writeHead(403, { 'content-type': 'text/plain' })
        .end(`forbidden: ${host}; this server answers only to 127.0.0.1, localhost and [::1]`);
      return;
    }
    const path = requestPath(req.url);
    if (path === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: malformed percent-encoding in the path');
      return;
    }
    let file = join(base, path);
    if (!inside(base, file)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      if ((await stat(file).catch(() => undefined))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res
        .writeHead(200, {
          'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
        })
        .end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const a = server.address();
      ok({ server, url: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : port}/` });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  const { url } = await serveStatic(WEB_ROOT, port);
  process.stdout.write(`speech-labeler page at ${url} (Ctrl-C to stop)\n`);
}
