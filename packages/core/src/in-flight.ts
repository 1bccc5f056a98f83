/**
 * Calls in flight on a backend, so that `dispose()` can settle every one of them at once instead of leaving
 * a promise that never settles (a worker that was terminated, a device that was destroyed).
 */

/** The set of running calls of one backend. */
export class InFlight {
  private readonly pending = new Set<() => void>();

  /**
   * Runs `work` and settles with it, unless {@link abandonAll} comes first: the call then rejects with
   * `abandoned()` and the work's own outcome, whenever it comes, is ignored (never an unhandled rejection).
   */
  run<T>(work: () => Promise<T>, abandoned: () => Error): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abandon = (): void => reject(abandoned());
      this.pending.add(abandon);
      let promise: Promise<T>;
      try {
        promise = work();
      } catch (e) {
        this.pending.delete(abandon);
        reject(e);
        return;
      }
      promise.then(
        (value) => {
          this.pending.delete(abandon);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(abandon);
          reject(error);
        },
      );
    });
  }

  /** Rejects every call still running. */
  abandonAll(): void {
    const all = [...this.pending];
    this.pending.clear();
    for (const abandon of all) abandon();
  }

  /** How many calls are running. */
  get size(): number {
    return this.pending.size;
  }
}
