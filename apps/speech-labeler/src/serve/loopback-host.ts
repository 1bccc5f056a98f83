/**
 * The `Host` names a server on 127.0.0.1 answers to. A page on another site can point its own host name
 * at 127.0.0.1 (DNS rebinding) and then read whatever the local server sends; its requests still carry
 * that foreign name in `Host`, so refusing every name but the loopback ones closes the hole.
 */

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

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
