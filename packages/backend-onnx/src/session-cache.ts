/**
 * A bounded least-recently-used cache of ONNX Runtime sessions. Sessions are keyed by the graph
 * signature; a session pushed out of the cache is released (its native memory freed) as soon as no call
 * is running on it, so a long-running process holds at most `capacity` sessions plus those in use.
 */

/** What the cache needs of a session. */
export interface Releasable {
  release(): Promise<void>;
}

interface Entry<S> {
  readonly session: Promise<S>;
  users: number;
  evicted: boolean;
}

/** Counters for reports and tests. */
export interface SessionCacheStats {
  /** Sessions held now. */
  readonly size: number;
  readonly created: number;
  readonly released: number;
}

/**
 * @example
 * ```ts
 * const cache = new SessionCache<InferenceSession>(16);
 * const y = await cache.use(key, () => InferenceSession.create(bytes), (session) => session.run(feeds));
 * ```
 */
export class SessionCache<S extends Releasable> {
  private readonly entries = new Map<string, Entry<S>>();
  private readonly pending = new Set<Promise<void>>();
  private created = 0;
  private released = 0;
  private closed = false;

  constructor(readonly capacity: number) {}

  /**
   * Runs `fn` on the session for `key`, creating it with `create` (and evicting the least recently used)
   * if it is not cached.
   */
  async use<T>(key: string, create: () => Promise<S>, fn: (session: S) => Promise<T>): Promise<T> {
    if (this.closed) throw new Error('session cache is disposed');
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = { session: create(), users: 0, evicted: false };
      this.created++;
      // A failed creation leaves nothing behind.
      entry.session.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    this.entries.set(key, entry);
    this.evictBeyond(this.capacity);
    entry.users++;
    try {
      return await fn(await entry.session);
    } finally {
      entry.users--;
      if (entry.evicted && entry.users === 0) this.release(entry);
    }
  }

  /** Current counts. */
  stats(): SessionCacheStats {
    return { size: this.entries.size, created: this.created, released: this.released };
  }

  /** Resolves when every release started so far has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }

  /** Releases every session (waiting for running calls) and refuses further use. */
  async dispose(): Promise<void> {
    this.closed = true;
    this.evictBeyond(0);
    await this.settled();
  }

  private evictBeyond(capacity: number): void {
    while (this.entries.size > capacity) {
      const [key, entry] = this.entries.entries().next().value as [string, Entry<S>];
      this.entries.delete(key);
      entry.evicted = true;
      if (entry.users === 0) this.release(entry);
    }
  }

  private release(entry: Entry<S>): void {
    // A session that failed to be created, or to be released, has nothing left to free.
    const done: Promise<void> = entry.session
      .then((s) => s.release())
      .then(
        () => {
          this.released++;
        },
        () => undefined,
      )
      .finally(() => this.pending.delete(done));
    this.pending.add(done);
  }
}
