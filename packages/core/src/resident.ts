/**
 * Resident tensors: data that lives in a backend's own memory (a GPUBuffer on webgpu, WebAssembly memory on
 * ts, an ONNX Runtime tensor on onnx, a `tf.Tensor` on tfjs) and is handed from call to call without coming
 * back to JavaScript arrays.
 *
 * A backend's kernels hold the data through a {@link ResidentStore}; core wraps each piece of it in a
 * {@link ResidentTensor} handle that knows its backend, its shape, a bound on its magnitudes (for the range
 * rule, so a handle is never read back to be checked) and whether it was disposed. Handles are counted per
 * backend ({@link ResidentStats}); the backend's `dispose()` frees every one still alive.
 */
import { AttnkitError, DisposedError, fmtShape } from './errors.js';
import { isHalf, type AnyTensor } from './half-tensor.js';
import { maxAbs, sumOfSquares } from './input-scan.js';
import { expectTensor, sizeOf, type Tensor } from './tensor.js';

/** A tensor held in one backend's memory. Made by `backend.upload`, or returned by calls with `resident: true`. */
export interface ResidentTensor {
  /** Always `true`: tells a handle from a tensor of arrays. */
  readonly resident: true;
  /** The name of the backend that holds it; only that backend takes it. */
  readonly backend: string;
  /** Its dimensions, as given to `upload` or as the call's result has them (e.g. `[B, Hq, Sq, Dv]`). */
  readonly shape: readonly number[];
  /** Resident tensors hold float32 elements. */
  readonly dtype: 'float32';
  /** True once disposed (by `dispose()`, or by the backend's `dispose()`). */
  readonly disposed: boolean;
  /** Copies the data back into a new tensor of arrays. */
  read(): Promise<Tensor>;
  /** Frees the backend memory. Calls given the handle afterwards throw `ERR_DISPOSED`. Idempotent. */
  dispose(): void;
}

/** A tensor of arrays or a resident one: what attention calls and model runs take. */
export type TensorInput = AnyTensor | ResidentTensor;

/** What a backend holds for its caller, counted by core. */
export interface ResidentStats {
  /** Resident tensors alive (not disposed). */
  readonly tensors: number;
  /** Key/value caches alive. */
  readonly caches: number;
  /** Bytes held by both. */
  readonly bytes: number;
  /**
   * Copies between JavaScript memory and the backend's memory made so far, when the backend's memory is
   * apart from JavaScript's (webgpu): `toBackend` uploads, `toHost` read-backs. Zero where the backend
   * computes on JavaScript's memory.
   */
  readonly transfers: {
    /** Uploads so far: copies from JavaScript memory into the backend's memory. */
    readonly toBackend: number;
    /** Read-backs so far: copies from the backend's memory into JavaScript memory. */
    readonly toHost: number;
  };
}

/** Options of a call that moves data into or out of a backend's memory. */
export interface ResidentOptions {
  /** Return the output (and attention map) as {@link ResidentTensor}s kept in the backend (default false). */
  readonly resident?: boolean;
}

/**
 * How a backend's kernels hold float32 data in their own memory. Offsets and lengths count elements. Core
 * calls it only with valid arguments: offsets inside the allocation, lengths that fit.
 */
export interface ResidentStore<N = unknown> {
  /** Allocates `elements` zeroed float32 elements. */
  allocate(elements: number): N;
  /** Copies `data` (core's own array, which the store may not keep) to elements `at ..` of `n`. */
  write(n: N, at: number, data: Float32Array): void;
  /** A fresh copy of `length` elements of `n` from `at`. */
  read(n: N, at: number, length: number): Promise<Float32Array>;
  /** Copies `length` elements from `src` at `srcAt` to `dst` at `dstAt` inside the backend (ranges may overlap when `src === dst`). */
  copy(src: N, srcAt: number, dst: N, dstAt: number, length: number): void;
  /**
   * The first `length` elements of `n` as a `Float32Array` without copying, where the backend's memory is
   * JavaScript's; valid until the next call into the backend. Core hands it to `attention` as a problem
   * array, read only. Absent where the data must be copied back (`read` is used instead).
   */
  view?(n: N, length: number): Float32Array;
  /** Frees `n`. */
  free(n: N): void;
  /** Copies made between JavaScript memory and the backend's memory (see {@link ResidentStats.transfers}). */
  transfers?(): {
    /** Copies into the backend's memory so far. */
    readonly toBackend: number;
    /** Copies out of the backend's memory so far. */
    readonly toHost: number;
  };
}

/** A core-held slot behind a handle. @internal */
export interface Slot {
  readonly owner: ResidentRegistry;
  readonly native: unknown;
  readonly shape: readonly number[];
  readonly elements: number;
  /** An upper bound on the magnitude of every element (exact for uploads). */
  readonly maxAbs: number;
  freed: boolean;
}

const BRAND = Symbol.for('attnkit.resident');

/** True for a {@link ResidentTensor} (of any backend). */
export function isResident(x: unknown): x is ResidentTensor {
  return x !== null && typeof x === 'object' && (x as { [BRAND]?: unknown })[BRAND] === true;
}

class Handle implements ResidentTensor {
  readonly resident = true as const;
  readonly dtype = 'float32' as const;
  readonly [BRAND] = true;
  readonly shape: readonly number[];
  constructor(
    readonly slot: Slot,
    readonly backend: string,
  ) {
    this.shape = Object.freeze([...slot.shape]);
  }
  get disposed(): boolean {
    return this.slot.freed;
  }
  async read(): Promise<Tensor> {
    const data = await this.slot.owner.readSlot(this.slot, 'tensor.read()');
    return { shape: [...this.shape], data };
  }
  dispose(): void {
    this.slot.owner.release(this.slot);
  }
}

/** A host-memory store: for kernels that have no memory of their own. @internal */
export function hostStore(): ResidentStore<Float32Array> {
  return {
    allocate: (n) => new Float32Array(n),
    write: (n, at, data) => n.set(data, at),
    read: (n, at, length) => Promise.resolve(n.slice(at, at + length)),
    copy: (src, srcAt, dst, dstAt, length) => {
      if (src === dst) dst.copyWithin(dstAt, srcAt, srcAt + length);
      else dst.set(src.subarray(srcAt, srcAt + length), dstAt);
    },
    view: (n, length) => n.subarray(0, length),
    free: () => undefined,
  };
}

/**
 * One backend's resident tensors and caches: it makes, checks, counts and frees them. Built by
 * `defineBackend`. @internal
 */
export class ResidentRegistry {
  private readonly live = new Set<Slot>();
  private readonly cacheSlots = new Set<{ close(): void; readonly bytes: number }>();
  constructor(
    readonly backend: string,
    readonly store: ResidentStore,
    private readonly guard: () => void,
  ) {}

  /** Validates `t` (float32, finite) and copies it into the backend. */
  upload(t: unknown, name = 'tensor'): ResidentTensor {
    this.guard();
    if (isResident(t))
      throw new AttnkitError('ERR_TYPE', `${name}: is already a resident tensor (of backend "${t.backend}")`, name);
    if (t !== null && typeof t === 'object' && isHalf(t as AnyTensor))
      throw new AttnkitError('ERR_DTYPE', `${name}: resident tensors hold float32; convert with toFloat32 first`, name);
    const shape = expectTensor(t, name, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const data = (t as Tensor).data;
    sumOfSquares(data, `${name}.data`);
    return this.adoptArray(data, shape, maxAbs(data));
  }

  /** Allocates a slot and writes `data` into it. */
  adoptArray(data: Float32Array, shape: readonly number[], bound: number): ResidentTensor {
    const native = this.store.allocate(data.length);
    try {
      if (data.length > 0) this.store.write(native, 0, data);
    } catch (e) {
      this.store.free(native);
      throw e;
    }
    return this.adopt(native, shape, bound);
  }

  /** Wraps a native the kernels made (and handed over) in a handle. */
  adopt(native: unknown, shape: readonly number[], bound: number): ResidentTensor {
    const slot: Slot = { owner: this, native, shape: [...shape], elements: sizeOf(shape), maxAbs: bound, freed: false };
    this.live.add(slot);
    return new Handle(slot, this.backend);
  }

  /** The slot behind `x`, checked: it is a live handle of this backend. */
  slotOf(x: ResidentTensor, name: string): Slot {
    const slot = (x as Handle).slot as Slot | undefined;
    if (!(x instanceof Handle) || !slot) {
      throw new AttnkitError(
        'ERR_WRONG_BACKEND',
        `${name}: a resident tensor made by another copy of attnkit, which this backend cannot read; pass it through tensor.read() first`,
        name,
      );
    }
    if (slot.owner !== this)
      throw new AttnkitError(
        'ERR_WRONG_BACKEND',
        `${name}: a resident tensor of backend "${x.backend}" cannot be used on backend "${this.backend}"; move it with await ${name}.read() and upload it here`,
        name,
      );
    if (slot.freed) throw new DisposedError(`${name} (a resident tensor)`);
    return slot;
  }

  /** The slot's data as a `Float32Array`: the store's view where it has one, else a copy. */
  async arrayOf(slot: Slot): Promise<Float32Array> {
    if (this.store.view) return this.store.view(slot.native, slot.elements);
    return this.store.read(slot.native, 0, slot.elements);
  }

  /** A fresh copy of the slot's data. */
  async readSlot(slot: Slot, what: string): Promise<Float32Array> {
    this.guard();
    if (slot.freed) throw new DisposedError(`${what} (a resident tensor)`);
    return this.store.read(slot.native, 0, slot.elements);
  }

  release(slot: Slot): void {
    if (slot.freed) return;
    slot.freed = true;
    this.live.delete(slot);
    this.store.free(slot.native);
  }

  /** Registers a cache's storage so that it is counted and freed with the backend. */
  trackCache(c: { close(): void; readonly bytes: number }): () => void {
    this.cacheSlots.add(c);
    return () => this.cacheSlots.delete(c);
  }

  stats(): ResidentStats {
    let bytes = 0;
    for (const s of this.live) bytes += s.elements * 4;
    for (const c of this.cacheSlots) bytes += c.bytes;
    return {
      tensors: this.live.size,
      caches: this.cacheSlots.size,
      bytes,
      transfers: this.store.transfers?.() ?? { toBackend: 0, toHost: 0 },
    };
  }

  /** Frees everything (the backend's dispose). */
  disposeAll(): void {
    for (const s of this.live) this.release(s);
    for (const c of this.cacheSlots) c.close();
    this.cacheSlots.clear();
  }
}

/** A stand-in handle that has a shape and nothing else, for validating a call's sizes. @internal */
export function shapeOnly(shape: readonly number[]): ResidentTensor {
  return { [BRAND]: true, resident: true, shape, dtype: 'float32' } as unknown as ResidentTensor;
}

/** The shape of an input, handle or tensor, checked for rank. @internal */
export function inputShape(
  x: unknown,
  name: string,
  ranks: readonly number[],
  dtype: 'float32' | 'float16' = 'float32',
): readonly number[] {
  if (isResident(x)) {
    if (!ranks.includes(x.shape.length))
      throw new AttnkitError(
        'ERR_RANK',
        `${name}: expected rank ${ranks.join(' or ')}, got rank ${x.shape.length} (shape ${fmtShape(x.shape)})`,
        name,
      );
    return x.shape;
  }
  return expectTensor(x, name, ranks, dtype);
}
