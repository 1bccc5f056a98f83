/**
 * Cancelling a call: every long call takes an `AbortSignal` (`{ signal }`, as `fetch` does). An aborted
 * call rejects at once with an `ERR_ABORTED` {@link AbortedError}; what the call took is freed (a
 * model whose compilation was aborted is disposed as soon as the kernel finishes it, a run's result is
 * dropped), and the backend stays usable.
 */
import { AbortedError, AttnkitError } from './errors.js';

/**
 * What attnkit needs of an `AbortSignal` (the DOM's and Node's both fit; core does not depend on either's
 * type declarations).
 */
export interface AbortSignalLike {
  /** Whether it has been aborted. */
  readonly aborted: boolean;
  /** Why it was aborted (the `cause` of the {@link AbortedError}). */
  readonly reason?: unknown;
  /** Calls `listener` when it aborts. */
  addEventListener(
    type: 'abort',
    listener: () => void,
    options?: {
      /** Remove the listener after its first call (attnkit always passes `true`). */
      readonly once?: boolean;
    },
  ): void;
  /** Stops calling `listener`. */
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** The option every cancellable call takes. */
export interface CallOptions {
  /** Aborting it rejects the call with `ERR_ABORTED` (at once, also while the kernel runs). */
  readonly signal?: AbortSignalLike;
}

/** `value` as a signal (or `undefined`), or an `ERR_TYPE` error naming `argument`. */
export function expectSignal(value: unknown, argument: string): AbortSignalLike | undefined {
  if (value === undefined) return undefined;
  const s = value as Partial<AbortSignalLike> | null;
  if (s === null || typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function')
    throw new AttnkitError(
      'ERR_TYPE',
      `${argument}: expected an AbortSignal (e.g. new AbortController().signal)`,
      argument,
    );
  return value as AbortSignalLike;
}

/** Throws the {@link AbortedError} of `what` when `signal` is aborted. */
export function throwIfAborted(signal: AbortSignalLike | undefined, what: string): void {
  if (signal?.aborted) throw new AbortedError(what, signal.reason);
}

/**
 * Splits the `signal` off an options object, so that the rest passes the call's known-options check.
 * Returns the same object when it has no `signal` key.
 */
export function splitSignal<T extends object>(
  options: (T & CallOptions) | undefined,
  argument: string,
): { signal: AbortSignalLike | undefined; rest: T | undefined } {
  if (options === undefined || options === null || typeof options !== 'object' || !('signal' in options))
    return { signal: undefined, rest: options };
  const { signal, ...rest } = options;
  return { signal: expectSignal(signal, argument), rest: rest as T };
}

/** The option of long calls (`compile`, `Model.run`) that report how far they are. */
export interface ProgressOptions {
  /**
   * Called with the fraction done, from 0 to 1: rising, at least at the start and exactly 1 once the call
   * has succeeded. How finely depends on the backend (per layer, per shader pipeline, or only start and end).
   * An error thrown by the callback rejects the call once its work stops.
   */
  readonly onProgress?: (fraction: number) => void;
}

/** How a kernel reports progress: `fraction` of its own part of the work, from 0 to 1. */
export type ProgressSink = (fraction: number) => void;

/**
 * A call's progress reporter: the caller's `onProgress` made monotone and safe. `sub(from, to)` gives the
 * kernel a sink whose 0..1 maps onto `from..to`; `finish()` reports 1 and rethrows what the callback threw.
 * @internal
 */
export function progressReporter(
  onProgress: unknown,
  argument: string,
): { sub(from: number, to: number): ProgressSink; finish(): void } {
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw new AttnkitError('ERR_TYPE', `${argument}: expected a function (fraction) => void`, argument);
  const cb = onProgress as ((f: number) => void) | undefined;
  let last = -1;
  let failure: { error: unknown } | undefined;
  const report = (f: number): void => {
    if (!cb || failure || !(f > last)) return;
    last = f;
    try {
      cb(f);
    } catch (error) {
      failure = { error };
    }
  };
  return {
    sub: (from, to) => (fraction) => {
      if (typeof fraction === 'number' && Number.isFinite(fraction))
        report(from + (to - from) * Math.min(1, Math.max(0, fraction)));
    },
    finish() {
      report(1);
      if (failure) throw failure.error;
    },
  };
}
