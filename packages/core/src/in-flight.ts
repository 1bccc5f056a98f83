/**
 * Calls in flight on a backend, so that `dispose()` can settle every one of them at once instead of leaving
 * a promise that never settles (a worker that was terminated, a device that was destroyed).
 */
import type { AbortSignalLike } from './abort.js';

/** The set of running calls of one backend. */
export class InFlight {
  private readonly pending = new Set<() => void>();

  /**
   * Runs `work` and settles with it, unless {@link abandonAll} comes first: the call then rejects with
   * `abandoned()` and the work's own outcome, whenever it comes, is ignored (never an unhandled rejection).
   * Likewise when `abort.signal` aborts: the call rejects with `abort.error()` (at once, without starting
   * `work` when the signal is already aborted).
   */
  run<T>(
    work: () => Promise<T>,
    abandoned: () => Error,
    abort?: { readonly signal: AbortSignalLike | undefined; readonly error: () => Error },
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const signal = abort?.signal;
      const onAbort = (): void => {
        this.pending.delete(abandon);
        reject(abort!.error());
      };
      const settle = (): void => {
        this.pending.delete(abandon);
        signal?.removeEventListener('abort', onAbort);
      };
      const abandon = (): void => {
        signal?.removeEventListener('abort', onAbort);
        reject(abandoned());
      };
      if (signal?.aborted) {
        reject(abort!.error());
        return;
      }
      this.pending.add(abandon);
      signal?.addEventListener('abort', onAbort, { once: true });
      let promise: Promise<T>;
      try {
        promise = work();
      } catch (e) {
        settle();
        reject(e);
        return;
      }
      promise.then(
        (value) => {
          settle();
          resolve(value);
        },
        (error: unknown) => {
          settle();
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
