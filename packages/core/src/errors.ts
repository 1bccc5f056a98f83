/**
 * Typed errors. Every error attnkit raises on bad input is an {@link AttnkitError} with a stable
 * {@link ErrorCode}; the message names the argument, what it got and what was expected.
 */

/** Stable machine-readable error codes. New codes may be added; existing ones never change meaning. */
export type ErrorCode =
  /** A tensor has the wrong number of dimensions. */
  | 'ERR_RANK'
  /** Two shapes that must agree do not, or a tensor's data length does not match its shape. */
  | 'ERR_SHAPE'
  /** Head counts that do not divide (query heads must be a multiple of key/value heads). */
  | 'ERR_HEADS'
  /** A mask shape that does not broadcast to `[B, Hq, Sq, Sk]`. */
  | 'ERR_MASK'
  /** An option value that is out of its domain (NaN scale, negative window, ...). */
  | 'ERR_OPTION'
  /** An index (graph edge, length) outside its valid range. */
  | 'ERR_RANGE'
  /** A non-finite number where only finite numbers are allowed. */
  | 'ERR_NON_FINITE'
  /** A value of the wrong JavaScript type (e.g. a plain array where a Float32Array is needed). */
  | 'ERR_TYPE'
  /** Tensors of one call with different dtypes (q, k, v and the past share one: float32 or float16). */
  | 'ERR_DTYPE'
  /** The backend does not support a requested feature (see its capabilities). */
  | 'ERR_UNSUPPORTED'
  /** A model spec is invalid. */
  | 'ERR_SPEC'
  /** A weight is missing, unexpected, or has the wrong shape. */
  | 'ERR_WEIGHTS'
  /** A safetensors file could not be parsed. */
  | 'ERR_FORMAT'
  /** No registered backend could be selected. */
  | 'ERR_NO_BACKEND'
  /** A backend or model was used after `dispose()`. */
  | 'ERR_DISPOSED'
  /** A backend failed while running (device lost, native error, ...). */
  | 'ERR_BACKEND'
  /** A call, spec or set of weights would allocate more memory than the limit allows (nothing was allocated). */
  | 'ERR_TOO_LARGE'
  /** A call was cancelled through its `AbortSignal`. */
  | 'ERR_ABORTED'
  /** A resident tensor or cache was given to a backend other than the one that holds it. */
  | 'ERR_WRONG_BACKEND'
  /** A key/value cache has no room for the entries of a call (nothing was written). */
  | 'ERR_CACHE_FULL';

/**
 * Base class of every error attnkit throws on purpose.
 *
 * @example
 * ```ts
 * try { await backend.attention(q, k, v); }
 * catch (e) { if (e instanceof AttnkitError && e.code === 'ERR_SHAPE') console.error(e.message); }
 * ```
 */
export class AttnkitError extends Error {
  /** Stable code; match on this, not on the message. */
  readonly code: ErrorCode;
  /** The argument the error is about (e.g. `"k"`, `"options.window.left"`), when there is one. */
  readonly argument: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    argument?: string,
    options?: {
      /** The error or reason behind this one, kept as the standard `Error.cause`. */
      cause?: unknown;
    },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.argument = argument;
  }
}

/** A tensor or argument has the wrong rank, shape or data length. */
export class ShapeError extends AttnkitError {}
/** An option has a value outside its domain. */
export class OptionError extends AttnkitError {}
/** A requested feature is not supported by the backend. */
export class UnsupportedError extends AttnkitError {
  constructor(message: string, argument?: string) {
    super('ERR_UNSUPPORTED', message, argument);
  }
}
/** A model spec or its weights are invalid. */
export class ModelError extends AttnkitError {}
/** No backend could be selected; `report` says why for every plugin. */
export class NoBackendError extends AttnkitError {
  /** The selection report: one `SelectionEntry` per plugin, saying why it was not chosen. */
  readonly report: readonly unknown[];
  constructor(message: string, report: readonly unknown[]) {
    super('ERR_NO_BACKEND', message);
    this.report = report;
  }
}
/** A call, spec or set of weights would allocate more than the memory limit; refused before allocating. */
export class SizeError extends AttnkitError {
  /** Bytes the request would allocate. */
  readonly bytes: number;
  /** The limit it exceeds, in bytes. */
  readonly limit: number;
  constructor(message: string, argument: string, bytes: number, limit: number) {
    super('ERR_TOO_LARGE', message, argument);
    this.bytes = bytes;
    this.limit = limit;
  }
}
/** A call was cancelled through its `AbortSignal`; `cause` is the signal's reason. */
export class AbortedError extends AttnkitError {
  constructor(what: string, reason?: unknown) {
    super('ERR_ABORTED', `${what} was aborted`, 'options.signal', { cause: reason });
  }
}
/** A backend or model was used after it was disposed. */
export class DisposedError extends AttnkitError {
  constructor(what: string) {
    super('ERR_DISPOSED', `${what} was used after dispose()`);
  }
}
/** A backend failed while running a valid request. */
export class BackendError extends AttnkitError {
  constructor(backend: string, message: string, cause?: unknown) {
    super('ERR_BACKEND', `backend "${backend}": ${message}`, undefined, { cause });
  }
}

/** Formats a byte count for messages: `4.00 GiB`, `512 KiB`. */
export function fmtBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let x = bytes,
    u = 0;
  while (x >= 1024 && u < units.length - 1) {
    x /= 1024;
    u++;
  }
  if (!Number.isFinite(bytes)) return `${bytes} bytes`;
  return u === 0 ? `${bytes} bytes` : `${x.toFixed(2)} ${units[u]}`;
}

/** Formats a shape for messages: `[2,3,4,8]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
