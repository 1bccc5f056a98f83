/**
 * The backend's WebAssembly memory and the blocks it hands out: resident tensors, key/value caches, the
 * inputs and outputs of calls, and each thread's scratch all live in this one memory, where the SIMD
 * kernels read them in place. Where SharedArrayBuffer exists the memory is shared, so the worker threads
 * compute on the same bytes; elsewhere it is a plain memory and everything runs on the calling thread.
 *
 * Blocks are counted in float32 elements ("words") and start on 64-byte boundaries. The allocator is a
 * first-fit free list that merges neighbours; the memory grows in pages when nothing free fits, and never
 * shrinks. Growing a shared memory leaves earlier `Float32Array`s over it valid (they cover what existed
 * then); growing an unshared one detaches them, so views are always re-derived through {@link WasmArena.f32}.
 */
import { AttnkitError, fmtBytes } from '@attnkit/core';
import { KERNELS_MAX_PAGES } from './generated/kernels-wasm.js';
import { RESERVED_WORDS } from './wasm-kernels.js';

/** A block of the memory: `words` float32 elements from element `at`. */
export interface Block {
  readonly at: number;
  readonly words: number;
}

const PAGE_WORDS = 65536 / 4;
/** Blocks start on 16-element (64-byte) boundaries. */
const ALIGN = 16;

const round = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** What the allocator has done, for tests and reports. */
export interface ArenaStats {
  /** Blocks handed out since creation. */
  readonly allocations: number;
  /** Blocks alive. */
  readonly live: number;
  /** Bytes in live blocks. */
  readonly bytes: number;
  /** Bytes of the memory (it only grows). */
  readonly memoryBytes: number;
}

/** The backend's memory and its allocator. */
export class WasmArena {
  /** Free ranges below `top`, sorted by start, never adjacent. */
  private readonly freeList: { at: number; words: number }[] = [];
  /** The first element past every block. */
  private top = RESERVED_WORDS;
  /** Elements at or beyond it were never handed out (still zero). */
  private highWater = RESERVED_WORDS;
  private f32View: Float32Array;
  private i32View: Int32Array;
  private allocations = 0;
  private liveBlocks = 0;
  private liveWords = 0;

  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly shared: boolean,
    /** Pages the memory may grow to. */
    readonly maxPages: number,
  ) {
    this.f32View = new Float32Array(memory.buffer);
    this.i32View = new Int32Array(memory.buffer);
  }

  /**
   * A shared memory where SharedArrayBuffer exists (trying smaller maxima where the address space cannot
   * reserve 4 GiB), else an unshared one, of at most `maxPages` pages; `undefined` without WebAssembly.
   */
  static create(
    shared = typeof SharedArrayBuffer !== 'undefined',
    maxPages = KERNELS_MAX_PAGES,
  ): WasmArena | undefined {
    if (typeof WebAssembly !== 'object') return undefined;
    const initial = RESERVED_WORDS / PAGE_WORDS + 1;
    if (shared)
      for (const maximum of [maxPages, maxPages >> 2, maxPages >> 4].filter((m) => m >= initial)) {
        try {
          return new WasmArena(new WebAssembly.Memory({ initial, maximum, shared: true }), true, maximum);
        } catch {
          // The address space cannot reserve this maximum: try a smaller one.
        }
      }
    try {
      return new WasmArena(new WebAssembly.Memory({ initial, maximum: maxPages }), false, maxPages);
    } catch {
      return undefined;
    }
  }

  /** The most the memory can hold, in bytes. */
  get maxBytes(): number {
    return this.maxPages * PAGE_WORDS * 4;
  }

  /**
   * A block of `elements` float32 elements, zeroed unless `zero` is false. Throws `ERR_TOO_LARGE` when the
   * memory cannot grow to hold it (nothing is allocated then).
   */
  allocate(elements: number, zero = true): Block {
    const words = round(Math.max(0, elements));
    let at = -1;
    for (let i = 0; i < this.freeList.length; i++) {
      const f = this.freeList[i]!;
      if (f.words < words) continue;
      at = f.at;
      if (f.words === words) this.freeList.splice(i, 1);
      else this.freeList[i] = { at: f.at + words, words: f.words - words };
      break;
    }
    if (at < 0) {
      at = this.top;
      this.reach(at + words);
      this.top = at + words;
    }
    if (zero && at < this.highWater) this.f32().fill(0, at, Math.min(at + words, this.highWater));
    this.highWater = Math.max(this.highWater, at + words);
    this.allocations++;
    this.liveBlocks++;
    this.liveWords += words;
    return { at, words };
  }

  /** Returns a block to the free list (merging it with its neighbours). */
  release(b: Block): void {
    this.liveBlocks--;
    this.liveWords -= b.words;
    if (b.words === 0) return;
    const list = this.freeList;
    let i = 0;
    while (i < list.length && list[i]!.at < b.at) i++;
    let at = b.at,
      words = b.words;
    const prev = list[i - 1];
    if (prev && prev.at + prev.words === at) {
      at = prev.at;
      words += prev.words;
      list.splice(--i, 1);
    }
    const next = list[i];
    if (next && at + words === next.at) {
      words += next.words;
      list.splice(i, 1);
    }
    if (at + words === this.top) this.top = at;
    else list.splice(i, 0, { at, words });
  }

  /** A float view of the whole memory (re-derived after growth). */
  f32(): Float32Array {
    if (this.f32View.buffer !== this.memory.buffer) this.refresh();
    return this.f32View;
  }

  /**
   * A fresh (unshared) copy of `length` elements from element `at` (a new array filled by `set`, which
   * measured faster than `slice` on the shared memory); into `into` when given (a fresh array of `length`).
   */
  copyOut(at: number, length: number, into?: Float32Array): Float32Array {
    const out = into ?? new Float32Array(length);
    out.set(this.f32().subarray(at, at + length));
    return out;
  }

  /** The same for `length` 16-bit values from byte `byteAt` (float16 bits). */
  copyOutHalves(byteAt: number, length: number): Uint16Array {
    const out = new Uint16Array(length);
    out.set(new Uint16Array(this.memory.buffer, byteAt, length));
    return out;
  }

  /** An int32 view of the whole memory. */
  i32(): Int32Array {
    if (this.i32View.buffer !== this.memory.buffer) this.refresh();
    return this.i32View;
  }

  stats(): ArenaStats {
    return {
      allocations: this.allocations,
      live: this.liveBlocks,
      bytes: this.liveWords * 4,
      memoryBytes: this.memory.buffer.byteLength,
    };
  }

  private refresh(): void {
    this.f32View = new Float32Array(this.memory.buffer);
    this.i32View = new Int32Array(this.memory.buffer);
  }

  /** Grows the memory to hold `words` elements. */
  private reach(words: number): void {
    const have = this.memory.buffer.byteLength / 4;
    if (words <= have) return;
    const pages = Math.ceil((words - have) / PAGE_WORDS);
    try {
      if (have / PAGE_WORDS + pages > this.maxPages) throw new RangeError('beyond the maximum');
      this.memory.grow(pages);
    } catch {
      throw new AttnkitError(
        'ERR_TOO_LARGE',
        `the backend's WebAssembly memory cannot grow by ${fmtBytes((words - this.top) * 4)}: it holds ${fmtBytes(this.liveWords * 4)} in use and can address at most ${fmtBytes(this.maxBytes)}; dispose resident tensors and caches no longer needed`,
      );
    }
    this.refresh();
  }
}
