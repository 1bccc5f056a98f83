/**
 * The dashboard's server: static files of the built page (`dist/dashboard`) and the results files given on
 * the command line, on 127.0.0.1 only. The page is opened with `?results=` for each file.
 *
 * Requests whose `Host` is not a loopback name get 403 (see `loopback-host.ts`); a path with malformed
 * percent-encoding gets 400.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { basename, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopbackHost } from './loopback-host.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/** The built page's directory. */
export const DASHBOARD_DIR = fileURLToPath(new URL('./dashboard/', import.meta.url));

/** A running dashboard server. */
export interface DashboardServer {
  /** The page's address, with `?results=` for each served file. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Serves the dashboard.
 *
 * @example
 * ```ts
 * const { url, close } = await serveDashboard({ port: 0, files: ['bench-results/a.json'] });
 * ```
 */
export async function serveDashboard(options: {
  port: number;
  files?: readonly string[];
  dir?: string;
}): Promise<DashboardServer> {
  const dir = options.dir ?? DASHBOARD_DIR;
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error(
      'the dashboard is not built: run `pnpm --filter @attnkit/bench build` (or `pnpm bench serve`, which builds first)',
    );
  }
  const files = (options.files ?? []).map((f, i) => ({
    path: f,
    route: `/results/${i}/${encodeURIComponent(basename(f))}`,
  }));
  for (const f of files) if (!existsSync(f.path)) throw new Error(`no such results file: ${f.path}`);
  const server = createServer((req, res) => {
    if (!isLoopbackHost(req.headers.host)) {
      const host =
        req.headers.host === undefined ? 'no Host header' : `Host ${JSON.stringify(req.headers.host.slice(0, 100))}`;
      res
        .writeHead(403, { 'content-type': 'text/plain' })
        .end(`forbidden: ${host}; this server answers only to 127.0.0.1, localhost and [::1]`);
      return;
    }
    const pathname = requestPath(req.url);
    if (pathname === undefined) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request: malformed percent-encoding in the path');
      return;
    }
    const served = files.find((f) => f.route === pathname.encoded);
    let file: string;
    if (served) {
      file = served.path;
    } else {
      const path = normalize(pathname.decoded === '/' ? '/index.html' : pathname.decoded);
      file = join(dir, path);
      if (!file.startsWith(normalize(dir + sep)) && file !== join(dir, 'index.html')) {
        res.writeHead(403).end('forbidden');
        return;
      }
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
      // Cross-origin isolation: fine-grained performance.now() in the page (and threads for wasm).
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    // A file that cannot be read (removed, a folder, no permission) ends this response, not the server.
    pipeline(createReadStream(file), res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  const query = files.map((f) => `results=${encodeURIComponent(f.route)}`).join('&');
  return {
    url: `http://127.0.0.1:${port}/${query ? `?${query}` : ''}`,
    port,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A request target's path as sent and percent-decoded; undefined when it does not parse or decode. */
function requestPath(target: string | undefined): { encoded: string; decoded: string } | undefined {
  try {
    const encoded = new URL(target ?? '/', 'http://127.0.0.1').pathname;
    return { encoded, decoded: decodeURIComponent(encoded) };
  } catch {
    return undefined; // URIError from the decoding, TypeError from a target that is not a URL
  }
}
