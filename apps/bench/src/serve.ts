/**
 * The dashboard's server: static files of the built page (`dist/dashboard`) and the results files given on
 * the command line, on 127.0.0.1 only (`@attnkit/local-web`'s server: loopback `Host` names only, 400 on
 * malformed percent-encoding, nothing outside the page's folder). The page is opened with `?results=` for
 * each file.
 */
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveLocal } from '@attnkit/local-web';

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
  const served = await serveLocal({
    root: dir,
    port: options.port,
    routes: new Map(files.map((f) => [f.route, f.path])),
    // Cross-origin isolation: fine-grained performance.now() in the page (and threads for wasm).
    headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' },
  });
  const query = files.map((f) => `results=${encodeURIComponent(f.route)}`).join('&');
  return { ...served, url: `${served.url}${query ? `?${query}` : ''}` };
}
