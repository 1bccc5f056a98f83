/**
 * A small static file server on 127.0.0.1 for the built page (`web-dist/`).
 * `node dist/serve/static-server.js [--port 8080]`
 */
import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json',
  '.safetensors': 'application/octet-stream', '.wasm': 'application/wasm', '.map': 'application/json', '.css': 'text/css',
};

/** The built page, beside this package's `dist/`. */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web-dist');

/** Serves `root` on 127.0.0.1:`port` (0 = any free port); resolves once listening. */
export function serveStatic(root: string = WEB_ROOT, port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      let file = normalize(join(root, path));
      if (!file.startsWith(root)) {
        res.writeHead(403).end('forbidden');
        return;
      }
      if ((await stat(file).catch(() => undefined))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
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
  serveStatic(WEB_ROOT, port).then(({ url }) => process.stdout.write(`speech-labeler page at ${url} (Ctrl-C to stop)\n`));
}
