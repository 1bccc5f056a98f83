/**
 * One call's work on the backend's memory, as every thread that helps with it runs it: first chunks of
 * the sums of squares of q, k and v (core's input scan, done here in SIMD instead of in JavaScript), then
 * units of attention (see attention-wasm.ts). Where each key/value head is read by one unit (decode steps),
 * that unit sums its own query rows, keys and values just before it reads them, so they come from the
 * cache the second time instead of from memory, and there are no chunks. Threads take chunks and units from one job's own counters,
 * so a thread that wakes after the job is finished finds nothing left and touches no memory.
 *
 * Counters (`Int32Array`, shared where threads help): `[0]` the next unit, `[1]` the next chunk, `[2]` the
 * chunks and units finished, `[3]` how many key/value heads (`b · Hkv + h`, in that order) have their keys
 * and values in place: a unit waits for its head's, so that the workers start on a call's first heads while
 * the calling thread still copies in the others ({@link ALL_READY} where everything is in place from the
 * start). Sums (`Float64Array`): three per thread slot (q, k, v), slot 0 the calling
 * thread's, slot `i + 1` worker `i`'s.
 */
import { oneUnitPerKvHead, runUnits, unitCount, type Offsets } from './attention-wasm.js';
import type { AttentionSetup } from '@attnkit/core';
import type { WasmKernels } from './wasm-kernels.js';

/** Floats per chunk of the sums (1 MiB: small enough to share a decode step's keys between threads). */
export const SQUARES_CHUNK = 1 << 18;

/** Where the inputs to sum lie: element offsets and lengths of q, k and v. */
export interface SquaresWork {
  readonly at: readonly [number, number, number];
  readonly length: readonly [number, number, number];
}

/** A job's shared state. */
export interface JobState {
  readonly counters: Int32Array;
  readonly sums: Float64Array;
}

/** Chunks of the sums of `s` for the call `p` (0 without sums, or where the units sum). */
export function chunkCount(p: AttentionSetup, s: SquaresWork | undefined): number {
  if (!s || oneUnitPerKvHead(p)) return 0;
  return s.length.reduce((n, len) => n + Math.ceil(len / SQUARES_CHUNK), 0);
}

/**
 * Chunks and units a job has in all (only `units` `[first, end)` of the call, when given): it is finished
 * when `counters[2]` reaches this.
 */
export function jobItems(p: AttentionSetup, s: SquaresWork | undefined, units?: readonly [number, number]): number {
  return chunkCount(p, s) + (units ? units[1] - units[0] : unitCount(p));
}

/** `counters[3]` of a job whose keys and values are all in place. */
export const ALL_READY = 0x7fffffff;

/**
 * Fresh state for a job with `slots` threads (shared memory where `shared`). A `gated` job's units wait
 * for their key/value head to be marked in place ({@link markHeadsReady}); the others start with all in place.
 */
export function newJob(slots: number, shared: boolean, gated = false): JobState {
  const make = (bytes: number): ArrayBuffer | SharedArrayBuffer =>
    shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const counters = new Int32Array(make(16));
  if (!gated) counters[3] = ALL_READY;
  return { counters, sums: new Float64Array(make(24 * slots)) };
}

/** Marks the first `heads` key/value heads of a gated job in place and wakes the units waiting for them. */
export function markHeadsReady(job: JobState, heads: number): void {
  Atomics.store(job.counters, 3, heads);
  Atomics.notify(job.counters, 3);
}

/**
 * Runs chunks, then units, of a job (the call `p` on the data at `at`) until none is left, as thread `slot`.
 * `units` `[first, end)` limits the job to those units (the counter then counts from `first`; the job has
 * `end - first` items).
 */
export function runJob(
  p: AttentionSetup,
  at: Offsets,
  kernels: WasmKernels,
  scratch: number,
  job: JobState,
  squares: SquaresWork | undefined,
  slot: number,
  units?: readonly [number, number],
): void {
  const { counters, sums } = job;
  const total = chunkCount(p, squares);
  if (squares && total > 0) {
    const local = [0, 0, 0];
    let claimed = 0;
    for (let c = Atomics.add(counters, 1, 1); c < total; c = Atomics.add(counters, 1, 1)) {
      // Chunk c: the tensor it falls in, and where in it.
      let t = 0,
        first = c;
      while (first >= Math.ceil(squares.length[t]! / SQUARES_CHUNK))
        first -= Math.ceil(squares.length[t++]! / SQUARES_CHUNK);
      const from = first * SQUARES_CHUNK;
      const n = Math.min(SQUARES_CHUNK, squares.length[t]! - from);
      local[t] = local[t]! + kernels.exports.sumSquares((squares.at[t]! + from) * 4, n);
      claimed++;
    }
    if (claimed > 0) {
      for (let t = 0; t < 3; t++) sums[slot * 3 + t] = local[t]!;
      Atomics.add(counters, 2, claimed);
    }
  }
  // Units that sum their own inputs write this thread's totals after each one, before the next claim
  // reports it finished.
  const own = squares && total === 0 ? [0, 0, 0] : undefined;
  // A gated job: wait until the unit's key/value head is in place. Only workers ever wait: the calling
  // thread copies every head in before it takes a unit (a browser's main thread may not wait).
  const gated = Atomics.load(counters, 3) !== ALL_READY;
  const before = !(own || gated)
    ? undefined
    : (qFrom: number, qElements: number, kvHead: number): void => {
        if (gated)
          for (let ready = Atomics.load(counters, 3); ready <= kvHead; ready = Atomics.load(counters, 3))
            Atomics.wait(counters, 3, ready);
        if (!own) return;
        const x = kernels.exports;
        const kLength = p.keyLength * p.keyDim,
          vLength = p.keyLength * p.valueDim;
        own[0] = own[0]! + x.sumSquares((at.qAt + qFrom) * 4, qElements);
        own[1] = own[1]! + x.sumSquares((at.kAt + kvHead * kLength) * 4, kLength);
        own[2] = own[2]! + x.sumSquares((at.vAt + kvHead * vLength) * 4, vLength);
        for (let t = 0; t < 3; t++) sums[slot * 3 + t] = own[t]!;
      };
  // Each claim after the first reports the unit before it finished.
  let claims = 0;
  const all = unitCount(p);
  runUnits(
    p,
    at,
    kernels,
    scratch,
    () => {
      if (claims++ > 0) Atomics.add(counters, 2, 1);
      if (!units) return Atomics.add(counters, 0, 1);
      const u = units[0] + Atomics.add(counters, 0, 1);
      return u < units[1] ? u : all;
    },
    before,
  );
}

/** The sums of q, k and v over every slot of a finished job. */
export function jobSquares(job: JobState): { q: number; k: number; v: number } {
  const r = [0, 0, 0];
  for (let i = 0; i < job.sums.length; i++) r[i % 3] = r[i % 3]! + job.sums[i]!;
  return { q: r[0]!, k: r[1]!, v: r[2]! };
}
