/**
 * Web Workers for the attention pool in browsers: only where memory can be shared (a cross-origin
 * isolated page); elsewhere the backend runs on one thread.
 */
import type { WorkerFactory } from './pool.js';

/** Logical processors reported by the browser. */
export function defaultThreads(): number {
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

/** Module Web Workers, or undefined when the page is not cross-origin isolated. */
export function workerFactory(): WorkerFactory | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: typeof Worker };
  if (!g.crossOriginIsolated || typeof SharedArrayBuffer === 'undefined' || !g.Worker) return undefined;
  return () => {
    const w = new Worker(new URL('./pool-worker.js', import.meta.url), { type: 'module' });
    return {
      post: (m) => w.postMessage(m),
      onMessage: (h) => w.addEventListener('message', (e) => h(e.data)),
      onError: (h) => w.addEventListener('error', (e) => h(new Error(e.message || 'worker failed to load'))),
      setBusy: () => undefined,
      terminate: async () => w.terminate(),
    };
  };
}
