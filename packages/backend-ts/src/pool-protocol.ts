/**
 * Messages between the attention thread pool and its workers.
 */
import type { AttentionProblem } from '@attnkit/core';
import type { MemProblem } from './attention-wasm.js';
import type { SquaresWork } from './job.js';

/** Main → worker: instantiate the kernels on the backend's shared memory (absent without WebAssembly SIMD). */
export interface InitMessage {
  readonly type: 'init';
  readonly module: WebAssembly.Module | undefined;
  readonly memory: WebAssembly.Memory | undefined;
  /** This worker's place in the pool. */
  readonly index: number;
  /** Jobs posted so far to each worker (shared; the pool adds 1 after each post). */
  readonly posted: Int32Array;
  /**
   * How long, after answering a job, this worker watches `posted[index]` for the next one before it goes
   * back to waiting for messages (0: it does not watch).
   */
  readonly watchMs: number;
}

/**
 * A call on the backend's shared memory; `scratch` is this worker's (element offset), `slot` its slot in
 * the job's sums, `sums` the job's sums (see job.ts) and `squares` what to sum, if anything.
 */
export interface MemoryWork {
  readonly kind: 'memory';
  readonly problem: MemProblem;
  readonly scratch: number;
  readonly slot: number;
  readonly sums: Float64Array;
  readonly squares: SquaresWork | undefined;
  /** Only the units `[first, end)` of the problem (see `runJob`); all of them when absent. */
  readonly units?: readonly [number, number];
}

/** A call on shared arrays, for the plain-TypeScript kernel (no WebAssembly SIMD). */
export interface ArrayWork {
  readonly kind: 'arrays';
  readonly problem: AttentionProblem;
  /** `[B, Hq, Sq, Dv]`, shared. */
  readonly out: Float32Array;
}

/** Main → worker: run units of a call until the shared counter passes the last one. */
export interface JobMessage {
  readonly type: 'job';
  readonly id: number;
  readonly work: MemoryWork | ArrayWork;
  /** The job's own counters (shared, atomic): `[0]` the next unit to take; for memory work, see job.ts. */
  readonly counter: Int32Array;
}

/** Worker → main. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
