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
  addEventListener(type: 'abort', listener: () => void, options?: { readonly once?: boolean }): void;
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
