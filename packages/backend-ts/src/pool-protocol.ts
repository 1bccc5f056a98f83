/**
 * Messages between the attention thread pool and its workers.
 */
import type { AttentionProblem } from '@attnkit/core';

/** Main → worker: compile the kernels. */
export interface InitMessage {
  readonly type: 'init';
  readonly module: WebAssembly.Module | undefined;
}

/** Main → worker: run units of a problem until the shared counter passes the last one. */
export interface JobMessage {
  readonly type: 'job';
  readonly id: number;
  readonly problem: AttentionProblem;
  /** `[B, Hq, Sq, Dv]`, shared. */
  readonly out: Float32Array;
  /** `counter[0]` is the next unit to take (shared, atomic). */
  readonly counter: Int32Array;
}

/** Worker → main. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly id: number }
  | { readonly type: 'error'; readonly id: number; readonly message: string };
