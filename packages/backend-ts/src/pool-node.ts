/**
 * Worker threads for the attention pool in Node.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerFactory } from './pool.js';

/** Hardware threads available to this process. */
export function defaultThreads(): number {
  return availableParallelism();
}

// Running from the TypeScript sources (tests), the worker is taken from the build.
const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? '../dist/pool-worker.js' : './pool-worker.js',
  import.meta.url,
);

/**
 * The Node options a worker starts with: the process's own (Node's default), except where they include
 * `--input-type` (a script given with `-e` or on stdin), which a worker refuses to start with; the worker
 * then gets none (it needs none: V8 flags such as relaxed SIMD are the process's).
 */
function workerExecArgv(): string[] | undefined {
  return process.execArgv.some((a) => a === '--input-type' || a.startsWith('--input-type=')) ? [] : undefined;
}

/** Why this runtime cannot run worker threads, or `undefined` when it can. */
export function threadsUnavailable(): string | undefined {
  return typeof SharedArrayBuffer === 'undefined' ? 'SharedArrayBuffer is missing' : undefined;
}

/** Node worker_threads, or undefined where SharedArrayBuffer is missing. */
export function workerFactory(): WorkerFactory | undefined {
  if (threadsUnavailable() !== undefined) return undefined;
  return () => {
    const w = new Worker(workerUrl, { execArgv: workerExecArgv() });
    return {
      post: (m) => w.postMessage(m),
      onMessage: (h) => w.on('message', h),
      onError: (h) => w.on('error', h),
      setBusy: (busy) => (busy ? w.ref() : w.unref()),
      terminate: async () => {
        await w.terminate();
      },
    };
  };
}
