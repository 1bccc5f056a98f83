/**
 * Web Workers for the attention pool in browsers: only where memory can be shared (a cross-origin
 * isolated page); elsewhere the backend runs on one thread.
 *
 * The worker is started from a Blob of its bundled source (`generated/pool-worker-source.ts`), not from a
 * file next to this module: bundlers (esbuild in particular) do not emit such a file, and a worker that
 * fails to load would leave the backend on one thread.
 */
import { POOL_WORKER_SOURCE } from './generated/pool-worker-source.js';
import type { WorkerFactory } from './pool.js';

/** Logical processors reported by the browser. */
export function defaultThreads(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** Why this page cannot run worker threads, or `undefined` when it can. */
export function threadsUnavailable(): string | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: typeof Worker };
  if (!g.Worker) return 'no Web Workers here';
  if (typeof SharedArrayBuffer === 'undefined' || !g.crossOriginIsolated)
    return 'the page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  return undefined;
}

let sourceUrl: string | undefined;

/** Module Web Workers, or undefined when the page is not cross-origin isolated. */
export function workerFactory(): WorkerFactory | undefined {
  if (threadsUnavailable() !== undefined) return undefined;
  return () => {
    sourceUrl ??= URL.createObjectURL(new Blob([POOL_WORKER_SOURCE], { type: 'text/javascript' }));
    const w = new Worker(sourceUrl, { type: 'module' });
    return {
      post: (m) => w.postMessage(m),
      onMessage: (h) => w.addEventListener('message', (e) => h(e.data)),
      onError: (h) => w.addEventListener('error', (e) => h(new Error(e.message || 'worker failed to load'))),
      setBusy: () => undefined,
      terminate: async () => w.terminate(),
    };
  };
}
