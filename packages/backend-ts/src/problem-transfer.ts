/**
 * Sending an attention problem to worker threads: q, k, v and the output live in shared memory (copied
 * there once per call); the small fields are cloned.
 */
import type { AttentionProblem } from '@attnkit/core';

/** A problem whose large arrays are backed by SharedArrayBuffers. */
export type SharedProblem = AttentionProblem;

function shared(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

/** Copies q, k, v into shared memory (drops fields workers do not need). */
export function shareProblem(p: AttentionProblem): SharedProblem {
  return {
    ...p,
    q: shared(p.q),
    k: shared(p.k),
    v: shared(p.v),
    kvNew: { key: new Float32Array(0), value: new Float32Array(0) },
    past: undefined,
  };
}
