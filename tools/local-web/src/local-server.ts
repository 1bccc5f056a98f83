/**
 * A static file server on 127.0.0.1 for the apps' local pages (the bench dashboard, the speech labeler's page).
 *
 * It answers only to a loopback `Host` (403 otherwise: a page on another site can point its own host name at
 * 127.0.0.1, DNS rebinding, and its requests still carry that foreign name), answers 400 to a path with
 * malformed percent-encoding, and serves nothing outside its root (403), not even a sibling folder whose name
 * starts with the root's.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type OutgoingHttpHeaders, type Server } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/** Content types by file extension; anything else is sent as `application/octet-stream`. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.safetensors': 'application/octet-stream',
};

/**
 * True when `host` (a request's `Host` header) is `127.0.0.1`, `localhost` or `[::1]`, with or without a
 * port; false for any other name and for a missing header.
 *
 * @example
 * ```ts
 * isLoopbackHost('localhost:5178'); // true
 * isLoopbackHost('evil.example:5178'); // false
 * ```
 */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

/** True when `file` is `root` or lies inside it (both absolute); a sibling such as `root-secret` is not. */
export function isInside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** A request target's path as sent and percent-decoded; undefined when it does not parse or decode. */
export function requestPath(target: string | undefined): { encoded: string; decoded: string } | undefined {
  try {
    const encoded = new URL(target ?? '/', 'http://127.0.0.1').pathname;
    return { encoded, decoded: decodeURIComponent(encoded) };
  } catch {
    return undefined; // URIError from the decoding, TypeError from a target that is not a URL
  }
}

/** What {@link serveLocal} serves. */
export interface LocalServerOptions {
  /** The folder served; `/` and any folder answer with its `index.html`. */
  root: string;
  /** 0 (the default) takes any free port. */
  port?: number;
  /** Extra files outside `root`, by the exact (percent-encoded) request path that serves each. */
  routes?: ReadonlyMap<string, string>;
  /** Headers added to every file response (e.g. cross-origin isolation). */
  headers?: OutgoingHttpHeaders;
}

/** A listening {@link serveLocal} server. */
export interface LocalServer {
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port>/` */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `options.root` on 127.0.0.1; resolves once listening.
 *
 * @example
 * ```ts
 * const { url, close } = await serveLocal({ root: 'web-dist' });
 * ```
 */
export async function serveLocal(options: LocalServerOptions): Promise<LocalServer> {
  const root = resolve(options.root);
  const routes = options.routes ?? new Map<string, string>();
  const server = createServer((req, res) => {
    void (async () => {
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
      let file = routes.get(path.encoded) ?? join(root, path.decoded);
      if (!routes.has(path.encoded) && !isInside(root, file)) {
        res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden');
        return;
      }
      let info = await stat(file).catch(() => undefined);
      if (info?.isDirectory()) {
        file = join(file, 'index.html');
        info = await stat(file).catch(() => undefined);
      }
      if (!info?.isFile()) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        ...options.headers,
      });
      // A file that cannot be read (removed meanwhile, no permission) ends this response, not the server.
      await pipeline(createReadStream(file), res).catch(() => res.destroy());
    })();
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  const port = (server.address() as { port: number }).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
