/**
 * A small static file server on 127.0.0.1 for the built page (`web-dist/`).
 * `node dist/serve/static-server.js [--port 8080]`
 *
 * It is `@attnkit/local-web`'s server: only files inside its root, 403 to a `Host` that is not a loopback
 * name, 400 to a path with malformed percent-encoding.
 */
import type { Server } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveLocal } from '@attnkit/local-web';

/** The built page, beside this package's `dist/`. */
export const WEB_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../web-dist');

/** Serves `root` on 127.0.0.1:`port` (0 = any free port); resolves once listening. */
export async function serveStatic(root: string = WEB_ROOT, port = 0): Promise<{ server: Server; url: string }> {
  const { server, url } = await serveLocal({ root, port });
  return { server, url };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--port');
  const port = i > 0 ? Number(process.argv[i + 1]) : 8080;
  const { url } = await serveStatic(WEB_ROOT, port);
  process.stdout.write(`speech-labeler page at ${url} (Ctrl-C to stop)\n`);
}
