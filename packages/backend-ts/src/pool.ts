/**
 * A pool of worker threads that share the work of one attention call (units of batch·head × query
 * block, handed out through a shared atomic counter). With the SIMD kernels, every worker instantiates
 * them on the backend's shared WebAssembly memory and computes where the data lies; without them, workers
 * run the plain-TypeScript kernel on shared arrays. Created once per backend, on first need; idle workers
 * do not keep a Node process alive; `close()` terminates them.
 */
import type { AttentionProblem } from '@attnkit/core';
import { unitCount, type MemProblem } from './attention-wasm.js';
import type { JobState, SquaresWork } from './job.js';
import { SharedScratch, shareProblem } from './problem-transfer.js';
import type { ArrayWork, JobMessage, MemoryWork, WorkerReply } from './pool-protocol.js';

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
  /**
   * Runs a job on the shared memory (see job.ts) on up to `workers` workers, worker `i` using `scratch[i]`
   * and sum slot `i + 1`; the output is written where `problem.oAt` says. Settles when every worker sent
   * has answered. The caller may take chunks and units of the same job meanwhile (slot 0). `units`
   * `[first, end)` limits the job to those units (see `runJob`).
   */
  runInMemory(
    problem: MemProblem,
    scratch: readonly number[],
    job: JobState,
    squares: SquaresWork | undefined,
    workers: number,
    units?: readonly [number, number],
  ): Promise<void>;
  /** Runs a call on the plain-TypeScript kernel (arrays copied into shared memory); returns its output. */
  runArrays(p: AttentionProblem): Promise<Float32Array>;
  close(): Promise<void>;
}

/** What the workers run on: the compiled kernels and the memory they share, or neither. */
export interface PoolKernels {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
}

/** How long `close()` lets jobs still posted answer before it terminates the workers. */
const CLOSE_GRACE_MS = 1000;

/**
 * How long a worker that helps with small calls stays awake after answering one, watching for the next
 * (see pool-worker.ts). A worker that sleeps between calls takes longer to wake than a small call lasts,
 * and the calling thread then waits for the unit it took.
 */
export const WATCH_MS = 1;

/** Starts `size` workers (rejects if they cannot start). */
export async function startPool(size: number, factory: WorkerFactory, kernels?: PoolKernels): Promise<AttentionPool> {
  const workers: WorkerHandle[] = [];
  /** Jobs posted and not yet answered, per worker: a worker keeps a Node process alive while it has one. */
  const jobsOf: number[] = [];
  const pending = new Map<
    number,
    { left: number; resolve: () => void; reject: (e: Error) => void; settled?: (() => void)[] }
  >();
  let nextId = 1;
  let broken: Error | undefined;
  /** Jobs posted to each worker, shared with the workers (see {@link WATCH_MS}). */
  const posted = new Int32Array(new SharedArrayBuffer(4 * size));
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
          const index = workers.length;
          workers.push(w);
          jobsOf.push(0);
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
            if (--jobsOf[index]! === 0) w.setBusy(false);
            const job = pending.get(m.id);
            if (!job) return;
            if (m.type === 'error') {
              pending.delete(m.id);
              job.reject(new Error(m.message));
              for (const f of job.settled ?? []) f();
            } else if (--job.left === 0) {
              pending.delete(m.id);
              job.resolve();
              for (const f of job.settled ?? []) f();
            }
          });
          w.setBusy(true);
          // Small calls go to every worker but the last (the calling thread takes that share): only those
          // watch, so that watching never keeps more threads busy than there are to help.
          const watchMs = index < size - 1 ? WATCH_MS : 0;
          w.post({ type: 'init', module: kernels?.module, memory: kernels?.memory, index, posted, watchMs });
        }),
    ),
  );
  /**
   * Posts `work(i)` to the first `n` workers with the job's `counter` and waits until every one is done.
   * Jobs may overlap: each has its own counters, and a worker answers its messages in order.
   */
  const dispatch = (n: number, counter: Int32Array, work: (i: number) => MemoryWork | ArrayWork): Promise<void> => {
    if (broken) return Promise.reject(broken);
    const id = nextId++;
    return new Promise<void>((resolve, reject) => {
      pending.set(id, { left: n, resolve, reject });
      for (let i = 0; i < n; i++) {
        if (jobsOf[i]!++ === 0) workers[i]!.setBusy(true);
        workers[i]!.post({ type: 'job', id, work: work(i), counter } satisfies JobMessage);
        Atomics.add(posted, i, 1); // after the post: a watching worker that sees it finds the message queued
      }
    });
  };
  // Calls on shared arrays one at a time (they share the scratch arrays).
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const result = queue.then(work);
    queue = result.catch(() => undefined);
    return result;
  };
  const scratch = new SharedScratch();
  return {
    size,
    runInMemory(problem, scratchAt, job, squares, n, units) {
      const count = units ? units[1] - units[0] : unitCount(problem) + (squares ? 1 : 0);
      return dispatch(Math.min(workers.length, n, count), job.counters, (i) => ({
        kind: 'memory',
        problem,
        scratch: scratchAt[i]!,
        slot: i + 1,
        sums: job.sums,
        squares,
        ...(units && { units: [units[0], units[1]] as const }),
      }));
    },
    runArrays(p) {
      return serial(async () => {
        const problem = shareProblem(p, scratch);
        const out = scratch.take('out', p.batch * p.qHeads * p.qLength * p.valueDim);
        const counter = new Int32Array(new SharedArrayBuffer(4));
        await dispatch(Math.min(workers.length, p.batch * p.qHeads), counter, () => ({ kind: 'arrays', problem, out }));
        return new Float32Array(out); // a plain (unshared) copy for the caller
      });
    },
    async close() {
      // Jobs still posted (a small call's job that the calling thread finished alone is answered a moment
      // later, the worker finding nothing left) are let answer first, for up to a second: Node did not
      // always settle terminate() on a worker still reading its messages, and the process then exited
      // before dispose() settled.
      const left = [...pending.values()].map(
        (job) => new Promise<void>((done) => ((job.settled ??= []), job.settled.push(done))),
      );
      if (left.length > 0) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          Promise.all(left),
          new Promise<void>((done) => (timer = setTimeout(done, CLOSE_GRACE_MS))),
        ]);
        clearTimeout(timer);
      }
      // Settle every job first: a terminated worker never answers, and a queued call must not wait forever.
      fail(new Error('the attention worker pool was closed'));
      // An idle worker does not keep a Node process alive, and neither would its termination: held until
      // it has ended, so that `dispose()` always settles (else the process could exit while awaiting it).
      for (const w of workers) w.setBusy(true);
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    },
  };
}
