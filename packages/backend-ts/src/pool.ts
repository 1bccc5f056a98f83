/**
 * A pool of worker threads that share the work of one attention call (units of batch·head × query
 * block, handed out through a shared atomic counter). Created once per backend, on first need; idle
 * workers do not keep a Node process alive; `close()` terminates them.
 */
import type { AttentionProblem } from '@attnkit/core';
import { unitCount } from './attention-wasm.js';
import { SharedScratch, shareProblem } from './problem-transfer.js';
import type { JobMessage, WorkerReply } from './pool-protocol.js';
import { compileKernels, kernelVariant, type KernelVariant } from './wasm-kernels.js';

/** The platform's worker primitives (Node worker_threads or browser Web Workers). */
export interface WorkerHandle {
  post(message: unknown): void;
  onMessage(handler: (m: WorkerReply) => void): void;
  onError(handler: (e: Error) => void): void;
  /** Let the process exit while this worker is idle (Node). */
  setBusy(busy: boolean): void;
  terminate(): Promise<void>;
}

/** Creates one worker running pool-worker.js, or throws. */
export type WorkerFactory = () => WorkerHandle;

/** A started pool. */
export interface AttentionPool {
  readonly size: number;
  run(p: AttentionProblem): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Starts `size` workers running the kernels' `variant` (rejects if they cannot start). */
export async function startPool(
  size: number,
  factory: WorkerFactory,
  variant: KernelVariant | undefined = kernelVariant(),
): Promise<AttentionPool> {
  const module = await compileKernels(variant);
  const workers: WorkerHandle[] = [];
  const pending = new Map<number, { left: number; resolve: () => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let broken: Error | undefined;
  const fail = (e: Error): void => {
    broken = e;
    for (const job of pending.values()) job.reject(e);
    pending.clear();
  };
  await Promise.all(
    Array.from(
      { length: size },
      () =>
        new Promise<void>((resolve, reject) => {
          const w = factory();
          workers.push(w);
          w.onError((e) => {
            reject(e);
            fail(new Error(`attention worker failed: ${e.message}`));
          });
          w.onMessage((m) => {
            if (m.type === 'ready') {
              w.setBusy(false);
              resolve();
              return;
            }
            const job = pending.get(m.id);
            if (!job) return;
            if (m.type === 'error') {
              pending.delete(m.id);
              job.reject(new Error(m.message));
            } else if (--job.left === 0) {
              pending.delete(m.id);
              job.resolve();
            }
          });
          w.setBusy(true);
          w.post({ type: 'init', module });
        }),
    ),
  );
  let queue: Promise<unknown> = Promise.resolve();
  const scratch = new SharedScratch();
  return {
    size,
    run(p) {
      // One call at a time: every worker helps with each call.
      const result = queue.then(async () => {
        if (broken) throw broken;
        const shared = shareProblem(p, scratch);
        const out = scratch.take('out', p.batch * p.qHeads * p.qLength * p.valueDim);
        const counter = new Int32Array(new SharedArrayBuffer(4));
        const id = nextId++;
        const n = Math.min(workers.length, unitCount(p));
        await new Promise<void>((resolve, reject) => {
          pending.set(id, { left: n, resolve, reject });
          const job: JobMessage = { type: 'job', id, problem: shared, out, counter };
          for (let i = 0; i < n; i++) {
            workers[i]!.setBusy(true);
            workers[i]!.post(job);
          }
        }).finally(() => {
          for (const w of workers) w.setBusy(false);
        });
        return new Float32Array(out); // a plain (unshared) copy for the caller
      });
      queue = result.catch(() => undefined);
      return result;
    },
    async close() {
      // Settle every job first: a terminated worker never answers, and a queued call must not wait forever.
      fail(new Error('the attention worker pool was closed'));
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    },
  };
}
