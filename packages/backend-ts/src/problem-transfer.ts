/**
 * Sending an attention problem to worker threads: q, k, v and the output live in shared memory (copied
 * there once per call); the small fields are cloned.
 */
import type { AttentionProblem } from '@attnkit/core';

/** A problem whose large arrays are backed by SharedArrayBuffers. */
export type SharedProblem = AttentionProblem;

/** Shared buffers reused from call to call (the pool runs one call at a time). */
export class SharedScratch {
  private readonly buffers = new Map<string, SharedArrayBuffer>();

  /** A shared float array of `length` for `role`, reusing the last one when it is large enough. */
  take(role: string, length: number): Float32Array {
    let b = this.buffers.get(role);
    if (!b || b.byteLength < length * 4) {
      b = new SharedArrayBuffer(Math.max(length * 4, 64));
      this.buffers.set(role, b);
    }
    return new Float32Array(b, 0, length);
  }

  /** `a` itself when already shared, else a shared copy. */
  share(role: string, a: Float32Array): Float32Array {
    if (a.buffer instanceof SharedArrayBuffer) return a;
    const s = this.take(role, a.length);
    s.set(a);
    return s;
  }
}

/** Copies q, k, v into shared memory; the small fields are cloned with the message. */
export function shareProblem(p: AttentionProblem, scratch: SharedScratch): SharedProblem {
  return {
    ...p,
    q: scratch.share('q', p.q),
    k: scratch.share('k', p.k),
    v: scratch.share('v', p.v),
  };
}
