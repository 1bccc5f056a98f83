/**
 * The dashboard's server: static files of the built page (`dist/dashboard`) and the results files given on
 * the command line, on 127.0.0.1 only. The page is opened with `?results=` for each file.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { basename, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

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
export async function serveDashboard(options: { port: number; files?: readonly string[]; dir?: string }): Promise<DashboardServer> {
  const dir = options.dir ?? DASHBOARD_DIR;
  if (!existsSync(join(dir, 'index.html'))) {
    throw new Error('the dashboard is not built: run `pnpm --filter @attnkit/bench build` (or `pnpm bench serve`, which builds first)');
  }
  const files = (options.files ?? []).map((f, i) => ({ path: f, route: `/results/${i}/${encodeURIComponent(basename(f))}` }));
  for (const f of files) if (!existsSync(f.path)) throw new Error(`no such results file: ${f.path}`);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const served = files.find((f) => f.route === url.pathname);
    let file: string;
    if (served) {
      file = served.path;
    } else {
      const path = normalize(decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname));
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
    createReadStream(file).pipe(res);
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
