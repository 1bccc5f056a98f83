/**
 * Every attnkit backend this example runs on in Node, created one after another. A backend that cannot
 * start here is reported with its reason (and, under CI, is an error: every backend must run there).
 */
import type { Backend, BackendPlugin } from '@attnkit/core';

/** The backend packages, in the order they are run. */
const PACKAGES: readonly { readonly name: string; readonly pkg: string }[] = [
  { name: 'ts', pkg: '@attnkit/backend-ts' },
  { name: 'tfjs', pkg: '@attnkit/backend-tfjs' },
  { name: 'onnx', pkg: '@attnkit/backend-onnx' },
  // The Node entry: Dawn from the `webgpu` package (a software adapter without a GPU: slow but exact).
  { name: 'webgpu', pkg: '@attnkit/backend-webgpu/node' },
];

/** One backend's outcome: it ran (with `result`), or it could not start (with `reason`). */
export type BackendOutcome<T> =
  | { readonly name: string; readonly result: T }
  | { readonly name: string; readonly reason: string };

/** Names of the backends, in order. */
export const BACKEND_NAMES: readonly string[] = PACKAGES.map((p) => p.name);

async function start(pkg: string): Promise<Backend | string> {
  let plugin: BackendPlugin;
  try {
    plugin = ((await import(pkg)) as { plugin: BackendPlugin }).plugin;
  } catch (e) {
    return `${pkg} did not load: ${(e as Error).message}`;
  }
  const probe = await plugin.probe();
  if (!probe.available) return probe.reason ?? 'unavailable';
  try {
    return await plugin.create();
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Runs `work` on each backend (`only`: those names), disposing each afterwards.
 *
 * @example
 * ```ts
 * for (const o of await onEveryBackend(async (b) => b.name)) console.log(o.name, 'result' in o ? o.result : o.reason);
 * ```
 */
export async function onEveryBackend<T>(
  work: (backend: Backend) => Promise<T>,
  only: readonly string[] = BACKEND_NAMES,
): Promise<BackendOutcome<T>[]> {
  const out: BackendOutcome<T>[] = [];
  for (const { name, pkg } of PACKAGES.filter((p) => only.includes(p.name))) {
    const backend = await start(pkg);
    if (typeof backend === 'string') {
      if (process.env.CI) throw new Error(`backend ${name} must run under CI: ${backend}`);
      out.push({ name, reason: backend });
      continue;
    }
    try {
      out.push({ name, result: await work(backend) });
    } finally {
      await backend.dispose();
    }
  }
  return out;
}

/** Index of the largest of `n` values from `offset`. */
export function argmax(x: Float32Array, offset: number, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (x[offset + c]! > x[offset + best]!) best = c;
  return best;
}
