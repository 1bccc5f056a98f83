import { request, type IncomingMessage } from 'node:http';
import { text } from 'node:stream/consumers';

/**
 * One raw GET to 127.0.0.1:`port`: the path is sent as written (no normalising or encoding), with the given
 * `Host` header. For tests of local servers, which must see paths and hosts that `fetch` would clean up.
 */
export async function rawGet(
  port: number,
  path: string,
  host = `127.0.0.1:${port}`,
): Promise<{ status: number; body: string }> {
  const res = await new Promise<IncomingMessage>((ok, fail) =>
    request({ host: '127.0.0.1', port, path, headers: { host } }, ok).on('error', fail).end(),
  );
  return { status: res.statusCode ?? 0, body: await text(res) };
}
