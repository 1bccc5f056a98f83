/**
 * A key/value cache for decoding: fixed capacity, allocated once in the backend's memory, appended in place.
 *
 * Storage is `[B, Hkv, C, D]` for keys and for values (C the capacity). An attention call given the cache
 * writes its keys and values at rows `length ..` of every head and attends over rows `0 .. length` where
 * they lie: no concatenation, and nothing moves between calls. A sliding-window cache keeps only the
 * entries its window can still see: when an append would not fit, the last `window` entries of every head
 * move to the front (once every `C − window` tokens, so a token is moved at most once on average).
 */
import { AttnkitError, DisposedError, OptionError } from './errors.js';
import type { ResidentRegistry, ResidentStore } from './resident.js';
import type { Tensor } from './tensor.js';
import { effectiveLimit, expectMaxBytes, expectWithinLimit } from './limits.js';

/** What {@link Backend.createCache} takes. */
export interface KVCacheOptions {
  /** Batch size B (default 1). */
  readonly batch?: number;
  /** Key/value heads Hkv. */
  readonly kvHeads: number;
  /** Key head size Dk. */
  readonly keyDim: number;
  /** Value head size Dv (default `keyDim`). */
  readonly valueDim?: number;
  /** Entries per head C: the storage is `B × Hkv × C × (Dk + Dv)` float32, allocated once. */
  readonly capacity: number;
  /**
   * Sliding window: calls may see at most this many earlier entries (their `window.left` must not exceed
   * it), so the cache keeps only the last `window` and drops older ones as it fills. Needs
   * `capacity > window`. Default: none, the cache holds everything up to its capacity.
   */
  readonly window?: number;
  /** The most the cache may allocate, in bytes (default: the backend's limit). */
  readonly maxBytes?: number;
}

/** A key/value cache in a backend's memory; pass it to attention as `options.cache`. */
export interface KVCache {
  /** The backend that holds it. */
  readonly backend: string;
  /** Batch size `B`: calls given the cache have this batch. */
  readonly batch: number;
  /** Key/value heads `Hkv` of its storage; query heads may be any multiple of it (grouped-query attention). */
  readonly kvHeads: number;
  /** Key head size `Dk` (the queries' head size too). */
  readonly keyDim: number;
  /** Value head size `Dv`: the head size of a call's output. */
  readonly valueDim: number;
  /** Entries per head `C`: the storage is `[B, Hkv, C, Dk]` for keys and `[B, Hkv, C, Dv]` for values. */
  readonly capacity: number;
  /**
   * The sliding window it was created with (the most earlier entries a call may see; the cache keeps only
   * the last `window`), or `undefined`: it holds everything up to its capacity.
   */
  readonly window: number | undefined;
  /** Entries held per head. */
  readonly length: number;
  /** Tokens appended since creation (or `reset`): the position of the next one. */
  readonly position: number;
  /** True once disposed (by its own `dispose()` or its backend's); later use throws `ERR_DISPOSED`. */
  readonly disposed: boolean;
  /** Copies the entries held, `[B, Hkv, length, D]` each, into new tensors. */
  read(): Promise<{
    /** Keys `[B, Hkv, length, Dk]`, oldest first. */
    readonly key: Tensor;
    /** Values `[B, Hkv, length, Dv]`, in the same order. */
    readonly value: Tensor;
  }>;
  /** Empties the cache (keeps its memory). */
  reset(): void;
  /** Frees its memory. Later use throws `ERR_DISPOSED`. Idempotent. */
  dispose(): void;
}

/** An append about to happen: checked before anything is written. @internal */
export interface AppendPlan {
  /** Entries kept from the front of the window before appending (`-1`: no move). */
  readonly moveFrom: number;
  /** Entries held after the move, before the append: this call's past length. */
  readonly past: number;
  /** Entries held after the append. */
  readonly total: number;
}

/** Where an append's rows come from: core's array, or a resident slot's native. @internal */
export type AppendSource = { readonly array: Float32Array } | { readonly native: unknown };

const BRAND = Symbol.for('attnkit.kv-cache');

/** True for a {@link KVCache} (of any backend). */
export function isKVCache(x: unknown): x is KVCache {
  return x !== null && typeof x === 'object' && (x as { [BRAND]?: unknown })[BRAND] === true;
}

/** The core implementation behind every backend's caches. @internal */
export class CacheStorage implements KVCache {
  readonly [BRAND] = true;
  readonly batch: number;
  readonly kvHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly capacity: number;
  readonly window: number | undefined;
  readonly keys: unknown;
  readonly values: unknown;
  /** Upper bounds on the magnitudes of the keys and values ever appended. */
  keyBound = 0;
  valueBound = 0;
  private held = 0;
  private pos = 0;
  private closed = false;
  /** Serialises the calls that use the cache: each appends after the one before. */
  tail: Promise<unknown> = Promise.resolve();
  private readonly untrack: () => void;

  constructor(
    readonly owner: ResidentRegistry,
    options: unknown,
    backendMax: number | undefined,
    memoryCap: number | undefined,
  ) {
    if (options === null || typeof options !== 'object')
      throw new AttnkitError(
        'ERR_TYPE',
        'createCache: expected an options object { kvHeads, keyDim, capacity }',
        'options',
      );
    const o = options as KVCacheOptions;
    const known = new Set(['batch', 'kvHeads', 'keyDim', 'valueDim', 'capacity', 'window', 'maxBytes']);
    for (const key of Object.keys(o))
      if (!known.has(key))
        throw new OptionError(
          'ERR_OPTION',
          `createCache: unknown option "${key}" (known: ${[...known].join(', ')})`,
          `options.${key}`,
        );
    this.batch = positive(o.batch ?? 1, 'options.batch');
    this.kvHeads = positive(o.kvHeads, 'options.kvHeads');
    this.keyDim = positive(o.keyDim, 'options.keyDim');
    this.valueDim = positive(o.valueDim ?? o.keyDim, 'options.valueDim');
    this.capacity = positive(o.capacity, 'options.capacity');
    if (o.window !== undefined) {
      const w = o.window;
      if (!Number.isInteger(w) || w < 0 || w >= this.capacity)
        throw new OptionError(
          'ERR_OPTION',
          `options.window: expected an integer from 0 to capacity − 1 (${this.capacity - 1}), got ${String(w)}`,
          'options.window',
        );
    }
    this.window = o.window;
    const bytes = this.bytes;
    expectWithinLimit(
      'createCache',
      [{ what: 'keys and values', bytes, argument: 'options.capacity' }],
      effectiveLimit(expectMaxBytes(o.maxBytes, 'options.maxBytes'), backendMax, memoryCap),
    );
    const store = owner.store;
    this.keys = store.allocate(this.headRows * this.keyDim);
    try {
      this.values = store.allocate(this.headRows * this.valueDim);
    } catch (e) {
      store.free(this.keys);
      throw e;
    }
    this.untrack = owner.trackCache(this);
  }

  get backend(): string {
    return this.owner.backend;
  }
  get length(): number {
    return this.held;
  }
  get position(): number {
    return this.pos;
  }
  get disposed(): boolean {
    return this.closed;
  }
  /** `B·Hkv·C`: rows of one of the two stores. */
  get headRows(): number {
    return this.batch * this.kvHeads * this.capacity;
  }
  get bytes(): number {
    return this.headRows * (this.keyDim + this.valueDim) * 4;
  }

  expectOpen(name = 'options.cache'): void {
    if (this.closed) throw new DisposedError(`${name} (a key/value cache)`);
  }

  /**
   * Plans appending `n` entries per head for a call that sees `left` earlier entries at most (`Infinity`:
   * all). Throws, before anything changes, when they do not fit.
   */
  plan(n: number, left: number): AppendPlan {
    const C = this.capacity;
    if (this.window !== undefined && left > this.window)
      throw new OptionError(
        'ERR_OPTION',
        `options.cache: this cache keeps the last ${this.window} entries, but the call ${left === Infinity ? 'sees every earlier entry (give window: { left: ≤ ' + this.window + ', right: 0 })' : `looks ${left} entries back`}`,
        'options.cache',
      );
    if (this.held + n <= C) return { moveFrom: -1, past: this.held, total: this.held + n };
    const w = this.window;
    if (w === undefined || w + n > C)
      throw new AttnkitError(
        'ERR_CACHE_FULL',
        w === undefined
          ? `options.cache: appending ${n} entries to ${this.held} exceeds the capacity ${C}; create a larger cache, reset() it, or give it a window`
          : `options.cache: ${n} new entries and the ${w} of the window exceed the capacity ${C}; append fewer at once or create a larger cache`,
        'options.cache',
      );
    const keep = Math.min(w, this.held);
    return { moveFrom: this.held - keep, past: keep, total: keep + n };
  }

  /** Carries out `plan`: moves the window's entries to the front, then writes `n` new ones per head. */
  apply(plan: AppendPlan, n: number, k: AppendSource, v: AppendSource, bounds: { k: number; v: number }): void {
    const store = this.owner.store;
    const heads = this.batch * this.kvHeads;
    const C = this.capacity;
    const rows = (data: unknown, D: number, source: AppendSource): void => {
      for (let h = 0; h < heads; h++) {
        const at = (h * C + plan.past) * D;
        if (plan.moveFrom > 0) store.copy(data, (h * C + plan.moveFrom) * D, data, h * C * D, plan.past * D);
        if ('array' in source) store.write(data, at, source.array.subarray(h * n * D, (h + 1) * n * D));
        else store.copy(source.native, h * n * D, data, at, n * D);
      }
    };
    rows(this.keys, this.keyDim, k);
    rows(this.values, this.valueDim, v);
    this.keyBound = Math.max(this.keyBound, bounds.k);
    this.valueBound = Math.max(this.valueBound, bounds.v);
    this.held = plan.total;
    this.pos += n;
  }

  /** Undoes the length change of a call that failed after `apply` (the rows written are ignored). */
  rollback(plan: AppendPlan, n: number): void {
    this.held = plan.past;
    this.pos -= n;
  }

  async read(): Promise<{ key: Tensor; value: Tensor }> {
    this.expectOpen('cache');
    const { batch: B, kvHeads: H, capacity: C, keyDim: Dk, valueDim: Dv } = this;
    const L = this.held;
    const take = async (data: unknown, D: number): Promise<Tensor> => {
      const out = new Float32Array(B * H * L * D);
      for (let h = 0; h < B * H; h++) out.set(await this.owner.store.read(data, h * C * D, L * D), h * L * D);
      return { shape: [B, H, L, D], data: out };
    };
    return { key: await take(this.keys, Dk), value: await take(this.values, Dv) };
  }

  reset(): void {
    this.expectOpen('cache');
    this.held = 0;
    this.pos = 0;
    this.keyBound = 0;
    this.valueBound = 0;
  }

  dispose(): void {
    this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.untrack();
    const store: ResidentStore = this.owner.store;
    store.free(this.keys);
    store.free(this.values);
  }
}

function positive(x: unknown, name: string): number {
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1)
    throw new OptionError('ERR_OPTION', `${name}: expected a positive integer, got ${String(x)}`, name);
  return x;
}
