/**
 * Attention on the backend's WebAssembly memory (see wasm-memory.ts): every SIMD call runs here. Inputs
 * that already lie in the memory (resident tensors, a cache's storage, views of them) are read where they
 * are; arrays are copied in once per call. The output is written into the memory, then copied out into a
 * fresh array, or kept there as a block the caller owns (`resident: true`).
 *
 * Calls run one at a time, in order: on the calling thread when small, else on the worker threads, which
 * compute on the same shared memory. Blocks freed while a call runs are returned to the allocator when it
 * ends, so a worker never reads memory that has been handed out again. The copies of a call's inputs, its
 * output and each thread's scratch are kept from call to call (a decode loop allocates nothing per step);
 * those larger than 4 MiB are released after their call.
 */
import type { AttentionSetup } from '@attnkit/core';
import {
  memProblem,
  oneUnitPerKvHead,
  scratchWords,
  unitCount,
  type MemProblem,
  type Offsets,
} from './attention-wasm.js';
import { chunkLayout, chunkOffsets, chunkUnits, headScratchWords, setupOnly } from './attention-half.js';
import {
  ALL_READY,
  jobItems,
  jobSquares,
  markHeadsReady,
  newJob,
  runJob,
  type JobState,
  type SquaresWork,
} from './job.js';
import { startPool, type AttentionPool, type WorkerFactory } from './pool.js';
import { compileKernels, instantiateKernels, type KernelVariant, type WasmKernels } from './wasm-kernels.js';
import type { Block, WasmArena } from './wasm-memory.js';

/** An input of a call: an array (copied in unless it is a view of the memory) or a block of the memory. */
export type Source = { readonly array: Float32Array } | { readonly native: Block };

/** The half bits of a float16 call's q, k and v (the caller's: read, never written or kept). */
export interface HalfInputs {
  readonly q: Uint16Array;
  readonly k: Uint16Array;
  readonly v: Uint16Array;
}

/**
 * A call's output `[B, Hq, Sq, Dv]`: a fresh array, or a block the caller now owns; with the sums of
 * squares of q, k and v when they were asked for.
 */
export type MemoryResult = ({ readonly output: Float32Array } | { readonly native: Block }) & {
  readonly squares?: { q: number; k: number; v: number };
};

/** Kept blocks of up to this many elements (4 MiB) stay from call to call. */
const RETAIN_WORDS = 1 << 20;

/**
 * Calls with fewer multiply-adds than this run on the calling thread alone: below it, even posting the work
 * to a worker costs about what it could save. (B1 H8 S32 D64, 1.05 M, took a median 0.23 ms shared with a
 * worker and 0.12 ms on the calling thread alone, on two cores.)
 */
export const POOL_MIN_WORK = 2_000_000;

/**
 * Calls with fewer multiply-adds than this (about two milliseconds of work on one thread) are shared between
 * the calling thread and one worker fewer: the calling thread starts at once and the workers join as they
 * wake, so a small call never waits for a worker to wake or to answer. Larger calls run on the workers
 * alone, leaving the calling thread free while they run, except decode steps given as arrays (see `run`),
 * whose copy in costs about as much as their attention.
 */
export const HELP_MAX_WORK = 24_000_000;

/** How long the calling thread waits for workers to finish their last units before awaiting their answers. */
const SPIN_MS = 0.5;

/** Elements of float32 in a 4 KiB page. */
const PAGE_WORDS = 1024;

/**
 * A new zeroed array of `n` float32 with a zero written into each of its pages, so that the operating system
 * maps them now (a fresh allocation is mapped page by page on first write).
 */
function touchedArray(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i += PAGE_WORDS) a[i] = 0;
  return a;
}

/** Runs `f` if given, dropping what it throws (work done beside a running job, which must still be awaited). */
function besides(f: (() => void) | undefined): void {
  try {
    f?.();
  } catch {
    // The caller redoes the work after the job (an output array it did not get is made then).
  }
}

/** How the engine uses worker threads. */
export interface EngineThreads {
  readonly count: number;
  readonly factory: WorkerFactory | undefined;
  /** Told why the pool could not start (the engine then stays on the calling thread). */
  readonly onFail: (reason: string) => void;
}

/** Multiply-adds of a call, over the keys a query can see at most (a cache's held entries, key lengths, a window). */
export function callWork(p: AttentionSetup): number {
  let keys = p.keyLength;
  if (p.validKeys) keys = Math.min(keys, Math.max(0, ...p.validKeys));
  if (p.window) keys = Math.min(keys, p.window.left + p.window.right + 1);
  return p.batch * p.qHeads * p.qLength * keys * (p.keyDim + p.valueDim);
}

/** The engine of one backend. */
export class MemoryEngine {
  private main: Promise<WasmKernels> | undefined;
  private pool: Promise<AttentionPool | undefined> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Calls queued or running. */
  private busy = 0;
  /** Calls that ran on the worker threads (for tests). */
  threadedCalls = 0;
  /** Of those, calls whose keys and values were copied in while the workers ran (for tests). */
  overlappedCalls = 0;
  private closed = false;
  private readonly deferred: Block[] = [];
  private readonly roles = new Map<string, Block>();
  private readonly views = new WeakMap<Float32Array, Block>();

  constructor(
    readonly arena: WasmArena,
    readonly variant: KernelVariant,
    private readonly threads: EngineThreads,
  ) {}

  /** The kernels on the calling thread. */
  kernels(): Promise<WasmKernels> {
    this.main ??= (async () => {
      const module = await compileKernels(this.variant, this.arena.shared);
      if (!module) throw new Error(`the ${this.variant} kernels do not validate here`);
      return instantiateKernels(module, this.arena.memory);
    })();
    return this.main;
  }

  /** A view of the first `length` elements of `b` (shared memory only: it stays valid as the memory grows). */
  view(b: Block, length: number): Float32Array {
    const v = new Float32Array(this.arena.memory.buffer, b.at * 4, length);
    this.views.set(v, b);
    return v;
  }

  /** Frees `b`, once no call is running. */
  free(b: Block): void {
    if (this.busy > 0) this.deferred.push(b);
    else this.arena.release(b);
  }

  /** The block kept for `name`, of at least `words` elements (its contents are undefined). */
  role(name: string, words: number): Block {
    const have = this.roles.get(name);
    if (have && have.words >= words) return have;
    if (have) this.free(have);
    this.roles.delete(name);
    const b = this.arena.allocate(words, false);
    this.roles.set(name, b);
    return b;
  }

  /**
   * Runs one call (see the module comment); with `squares`, also sums the squares of the inputs copied in
   * (core's input scan; only when all three are arrays).
   */
  attend(
    setup: AttentionSetup,
    q: Source,
    k: Source,
    v: Source,
    keep: boolean,
    squares = false,
  ): Promise<MemoryResult> {
    // Counted from now: blocks freed while the call waits its turn are kept until it has run.
    this.busy++;
    const run = this.queue
      .then(() => this.run(setup, q, k, v, keep, squares))
      .finally(() => {
        if (--this.busy === 0) for (const b of this.deferred.splice(0)) this.arena.release(b);
      });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Runs one float16 call (see attention-half.ts): its halves copied in, widened a chunk of key/value
   * heads at a time, the output narrowed to half bits (`halfOutput`) or kept float32; a fresh array.
   */
  attendHalves(setup: AttentionSetup, halves: HalfInputs, halfOutput: boolean): Promise<Float32Array | Uint16Array> {
    this.busy++;
    const run = this.queue
      .then(() => this.runHalves(setup, halves, halfOutput))
      .finally(() => {
        if (--this.busy === 0) for (const b of this.deferred.splice(0)) this.arena.release(b);
      });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops the worker threads; later calls run on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = await this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  private async run(
    setup: AttentionSetup,
    q: Source,
    k: Source,
    v: Source,
    keep: boolean,
    wantSquares: boolean,
  ): Promise<MemoryResult> {
    const wasm = await this.kernels();
    const pool = await this.poolFor(setup);
    let out: Block | undefined;
    try {
      const copied = (src: Source): Float32Array | undefined =>
        'array' in src && !this.views.has(src.array) ? src.array : undefined;
      // Decode steps and other calls that read each key/value head once (copying their keys and values in
      // costs about as much as the attention): the calling thread copies them in a head at a time while the
      // workers start on the heads in place (see job.ts), then takes units itself.
      const [kIn, vIn] = [copied(k), copied(v)];
      const fill = pool && kIn && vIn && oneUnitPerKvHead(setup) ? { k: kIn, v: vIn } : undefined;
      const place = (src: Source, role: string, copy = true): number => {
        if ('native' in src) return src.native.at;
        const known = this.views.get(src.array);
        if (known) return known.at;
        const b = this.role(role, src.array.length);
        if (copy) this.arena.f32().set(src.array, b.at);
        return b.at;
      };
      const at = { qAt: place(q, 'q'), kAt: place(k, 'k', !fill), vAt: place(v, 'v', !fill) };
      const n = setup.batch * setup.qHeads * setup.qLength * setup.valueDim;
      out = keep ? this.arena.allocate(n, false) : this.role('out', n);
      const offsets = { ...at, oAt: out.at };
      const words = scratchWords(setup.keyDim, setup.valueDim);
      const sizes = [
        setup.batch * setup.qHeads * setup.qLength * setup.keyDim,
        setup.batch * setup.kvHeads * setup.keyLength * setup.keyDim,
        setup.batch * setup.kvHeads * setup.keyLength * setup.valueDim,
      ] as const;
      const squares: SquaresWork | undefined =
        wantSquares && 'array' in q && 'array' in k && 'array' in v
          ? { at: [at.qAt, at.kAt, at.vAt], length: sizes }
          : undefined;
      const mainScratch = (): number => this.role('scratch', words).at;
      // The caller's output array, made while the workers run: its pages are touched there, so that a fresh
      // allocation's page faults (about 10 µs a page where a virtual machine hands memory back to its host)
      // overlap the attention instead of following it.
      let result: Float32Array | undefined;
      let job;
      if (pool) {
        this.threadedCalls++;
        const scratch = Array.from({ length: pool.size }, (_, i) => this.role(`scratch ${i}`, words).at);
        // The workers' copy of the call leaves out its arrays, which would be copied into each message.
        job = await this.onThreads(pool, wasm, setup, memProblem(setup, offsets), offsets, {
          main: mainScratch(),
          workers: scratch,
          squares,
          ...(!keep && { meanwhile: () => (result = touchedArray(n)) }),
          ...(fill && {
            fill: (j: JobState) => {
              this.overlappedCalls++;
              this.fillHeads(setup, fill.k, fill.v, at, j);
            },
          }),
        });
      } else {
        job = newJob(1, false);
        runJob(setup, offsets, wasm, mainScratch(), job, squares, 0);
      }
      const sums = squares ? { squares: jobSquares(job) } : {};
      if (keep) return { native: out, ...sums };
      return { output: this.arena.copyOut(out.at, n, result), ...sums };
    } catch (e) {
      if (keep && out) this.deferred.push(out);
      throw e;
    } finally {
      this.releaseLargeRoles();
    }
  }

  private async runHalves(
    setup: AttentionSetup,
    halves: HalfInputs,
    halfOutput: boolean,
  ): Promise<Float32Array | Uint16Array> {
    const wasm = await this.kernels();
    const pool = await this.poolFor(setup);
    try {
      const {
        batch: B,
        qHeads: Hq,
        kvHeads: Hkv,
        qLength: Sq,
        keyLength: T,
        keyDim: Dk,
        valueDim: Dv,
        group: G,
      } = setup;
      // The halves, 2 bytes an element: blocks of ⌈n / 2⌉ words, written through a u16 view.
      const placeHalves = (bits: Uint16Array, role: string): number => {
        const b = this.role(role, Math.ceil(bits.length / 2));
        new Uint16Array(this.arena.memory.buffer, b.at * 4, bits.length).set(bits);
        return b.at * 4;
      };
      const q16 = placeHalves(halves.q, 'q16'),
        k16 = placeHalves(halves.k, 'k16'),
        v16 = placeHalves(halves.v, 'v16');
      const n = B * Hq * Sq * Dv;
      const out = this.role(halfOutput ? 'out16' : 'out', halfOutput ? Math.ceil(n / 2) : n);
      // One key/value head per chunk on the calling thread; as many as there are threads on the pool.
      const chunk = Math.min(pool ? pool.size : 1, B * Hkv);
      const parts = chunkLayout(setup, this.role('half heads', chunk * headScratchWords(setup)).at, chunk);
      const words = scratchWords(Dk, Dv);
      const mainScratch = this.role('scratch', words).at;
      const workerScratch = pool
        ? Array.from({ length: pool.size }, (_, i) => this.role(`scratch ${i}`, words).at)
        : [];
      // The workers' copy of the call leaves out its arrays (and reads none of them).
      const shared = pool ? setupOnly(setup) : setup;
      if (pool) this.threadedCalls++;
      const x = wasm.exports;
      const qHead = G * Sq * Dk,
        oHead = G * Sq * Dv;
      for (let hk0 = 0; hk0 < B * Hkv; hk0 += chunk) {
        const hk1 = Math.min(B * Hkv, hk0 + chunk),
          heads = hk1 - hk0;
        // The chunk's query rows, keys and values are consecutive in the halves: one widening each.
        x.widenHalves(q16 + 2 * hk0 * qHead, parts.q * 4, heads * qHead);
        x.widenHalves(k16 + 2 * hk0 * T * Dk, parts.k * 4, heads * T * Dk);
        x.widenHalves(v16 + 2 * hk0 * T * Dv, parts.v * 4, heads * T * Dv);
        const offsets = chunkOffsets(setup, hk0, parts, halfOutput ? undefined : out.at);
        const units = chunkUnits(setup, hk0, hk1);
        if (pool)
          await this.onThreads(pool, wasm, setup, { ...shared, ...offsets }, offsets, {
            main: mainScratch,
            workers: workerScratch,
            units,
          });
        else runJob(setup, offsets, wasm, mainScratch, newJob(1, false), undefined, 0, units);
        if (halfOutput) x.narrowHalves(parts.o * 4, out.at * 4 + 2 * hk0 * oHead, heads * oHead);
      }
      return halfOutput ? this.arena.copyOutHalves(out.at * 4, n) : this.arena.copyOut(out.at, n);
    } finally {
      this.releaseLargeRoles();
    }
  }

  /**
   * Runs a job of `setup` (its data at `offsets`; `forWorkers` the same without arrays) on the pool: on the
   * workers alone, or, for a small call or one whose keys and values the calling thread copies in as the
   * workers run (`fill`), on the calling thread and one worker fewer (see {@link HELP_MAX_WORK}): the
   * calling thread copies first, then takes units. `scratch.workers[i]` is worker i's scratch; with `units`,
   * only those units. Returns the finished job.
   */
  private async onThreads(
    pool: AttentionPool,
    wasm: WasmKernels,
    setup: AttentionSetup,
    forWorkers: MemProblem,
    offsets: Offsets,
    work: {
      main: number;
      workers: readonly number[];
      squares?: SquaresWork;
      units?: readonly [number, number];
      /** Copies the keys and values in, a head at a time, while the workers run (a gated job). */
      fill?: (job: JobState) => void;
      /**
       * Runs on the calling thread while the workers run (before it takes units, if it does); what it throws
       * is dropped, because the job must still be awaited: it is an optimisation, redone after the job.
       */
      meanwhile?: () => void;
    },
  ): Promise<JobState> {
    const { squares, units, fill } = work;
    const items = jobItems(setup, squares, units);
    const helps = fill !== undefined || callWork(setup) < HELP_MAX_WORK;
    const sent = Math.min(helps ? pool.size - 1 : pool.size, items);
    const job = newJob(sent + 1, true, fill !== undefined);
    const answered = pool.runInMemory(forWorkers, work.workers, job, squares, sent, units);
    if (!helps) {
      besides(work.meanwhile);
      await answered;
    } else {
      fill?.(job);
      besides(work.meanwhile);
      runJob(setup, offsets, wasm, work.main, job, squares, 0, units);
      if (finished(job.counters, items)) answered.catch(() => undefined);
      else await answered;
    }
    return job;
  }

  /**
   * Copies a call's keys and values into their blocks at `at` one key/value head at a time, marking each
   * in place for the workers waiting on `job`; at the end (or if a copy fails) every head is marked, so no
   * worker waits for ever.
   */
  private fillHeads(
    setup: AttentionSetup,
    k: Float32Array,
    v: Float32Array,
    at: Pick<Offsets, 'kAt' | 'vAt'>,
    job: JobState,
  ): void {
    const f32 = this.arena.f32();
    const kHead = setup.keyLength * setup.keyDim,
      vHead = setup.keyLength * setup.valueDim;
    try {
      for (let h = 0; h < setup.batch * setup.kvHeads; h++) {
        f32.set(k.subarray(h * kHead, (h + 1) * kHead), at.kAt + h * kHead);
        f32.set(v.subarray(h * vHead, (h + 1) * vHead), at.vAt + h * vHead);
        markHeadsReady(job, h + 1);
      }
    } finally {
      markHeadsReady(job, ALL_READY);
    }
  }

  /** Hands back the kept blocks larger than {@link RETAIN_WORDS}, once no call is running. */
  private releaseLargeRoles(): void {
    for (const [name, b] of this.roles)
      if (b.words > RETAIN_WORDS) {
        this.roles.delete(name);
        this.deferred.push(b);
      }
  }

  /** The pool, when this call is worth sending to the threads (started on first need). */
  private async poolFor(setup: AttentionSetup): Promise<AttentionPool | undefined> {
    const { count, factory, onFail } = this.threads;
    if (count < 2 || !factory || !this.arena.shared || this.closed) return undefined;
    if (callWork(setup) < POOL_MIN_WORK || unitCount(setup) < 2) return undefined;
    this.pool ??= (async () => {
      const module = await compileKernels(this.variant, true);
      return startPool(count, factory, { module: module!, memory: this.arena.memory });
    })().catch((e: unknown) => {
      onFail(`the worker pool failed to start: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    });
    return this.pool;
  }
}

/**
 * Whether every chunk and unit of a job is finished, waiting up to {@link SPIN_MS} for the workers' last
 * ones (a worker's answer takes longer to arrive than a small unit takes to run).
 */
function finished(counters: Int32Array, items: number): boolean {
  const start = performance.now();
  while (Atomics.load(counters, 2) < items) if (performance.now() - start > SPIN_MS) return false;
  return true;
}
