/**
 * Loading ONNX Runtime: `onnxruntime-node` is imported on first use (never at module load), so importing
 * this package in a bundle that never creates the backend costs nothing, and a missing native binding is
 * reported by the probe instead of failing an import.
 */
import type * as Ort from 'onnxruntime-node';
import { OptionError, expectMaxBytes } from '@attnkit/core';

/** The `onnxruntime-node` module. */
export type OrtModule = typeof Ort;

/** Options of the ONNX Runtime backend. */
export interface OnnxBackendOptions {
  /**
   * Threads one operator may use (ONNX Runtime's `intraOpNumThreads`). Default: ONNX Runtime's choice
   * (the number of physical cores).
   */
  readonly threads?: number;
  /** Threads running independent operators in parallel (`interOpNumThreads`, only with `parallel`). */
  readonly interOpThreads?: number;
  /** `sequential` (default) or `parallel` operator execution. */
  readonly executionMode?: 'sequential' | 'parallel';
  /**
   * How many attention sessions (one per distinct option signature) to keep; the least recently used is
   * released beyond it. Default 8. Each session keeps the peak working memory of its largest call (with
   * the memory arena) until it is released.
   */
  readonly sessionCacheSize?: number;
  /** ONNX Runtime's per-session memory arena (default true: faster, keeps its peak allocation). */
  readonly memoryArena?: boolean;
  /**
   * ONNX Runtime's own log level, 0 (verbose) to 4 (fatal); default 4: ONNX Runtime prints nothing, and a
   * failure reaches you as an `ERR_BACKEND` error whose `cause` holds the native message.
   */
  readonly logLevel?: 0 | 1 | 2 | 3 | 4;
  /** The most one call may allocate, in bytes (see `BackendSettings` in `@attnkit/core`). */
  readonly maxBytes?: number;
}

/** Options with every default applied. */
export interface ResolvedOptions {
  readonly sessionCacheSize: number;
  readonly maxBytes: number | undefined;
  readonly session: Ort.InferenceSession.SessionOptions;
}

const KNOWN = new Set([
  'threads',
  'interOpThreads',
  'executionMode',
  'sessionCacheSize',
  'memoryArena',
  'logLevel',
  'maxBytes',
]);

function positiveInt(options: Record<string, unknown>, key: string): number | undefined {
  const x = options[key];
  if (x === undefined) return undefined;
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1) {
    throw new OptionError(
      'ERR_OPTION',
      `options.${key}: expected a positive integer, got ${JSON.stringify(x)}`,
      `options.${key}`,
    );
  }
  return x;
}

/** Checks the backend options and turns them into ONNX Runtime session options. */
export function resolveOptions(options: OnnxBackendOptions = {}): ResolvedOptions {
  if (options === null || typeof options !== 'object') {
    throw new OptionError(
      'ERR_OPTION',
      `options: expected an object, got ${options === null ? 'null' : typeof options}`,
      'options',
    );
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!KNOWN.has(key))
      throw new OptionError(
        'ERR_OPTION',
        `options.${key}: unknown option; expected one of ${[...KNOWN].join(', ')}`,
        `options.${key}`,
      );
  }
  const threads = positiveInt(o, 'threads');
  const interOp = positiveInt(o, 'interOpThreads');
  const cache = positiveInt(o, 'sessionCacheSize') ?? 8;
  const mode = o.executionMode ?? 'sequential';
  if (mode !== 'sequential' && mode !== 'parallel') {
    throw new OptionError(
      'ERR_OPTION',
      `options.executionMode: expected "sequential" or "parallel", got ${JSON.stringify(mode)}`,
      'options.executionMode',
    );
  }
  const arena = o.memoryArena ?? true;
  if (typeof arena !== 'boolean')
    throw new OptionError(
      'ERR_OPTION',
      `options.memoryArena: expected a boolean, got ${JSON.stringify(arena)}`,
      'options.memoryArena',
    );
  const log = o.logLevel ?? 4;
  if (log !== 0 && log !== 1 && log !== 2 && log !== 3 && log !== 4) {
    throw new OptionError(
      'ERR_OPTION',
      `options.logLevel: expected 0, 1, 2, 3 or 4, got ${JSON.stringify(log)}`,
      'options.logLevel',
    );
  }
  return {
    sessionCacheSize: cache,
    maxBytes: expectMaxBytes(o.maxBytes, 'options.maxBytes'),
    session: {
      ...(threads !== undefined ? { intraOpNumThreads: threads } : {}),
      ...(interOp !== undefined ? { interOpNumThreads: interOp } : {}),
      executionMode: mode,
      enableCpuMemArena: arena,
      logSeverityLevel: log,
      graphOptimizationLevel: 'all',
    },
  };
}

/** Why ONNX Runtime cannot run in the given global scope, or `undefined` when it is Node.js. */
export function notNode(scope: object = globalThis): string | undefined {
  const p = (scope as { process?: { versions?: { node?: string } } }).process;
  if (p?.versions?.node) return undefined;
  return 'onnxruntime-node needs Node.js (this looks like a browser or another runtime); choose another attnkit backend here';
}

/** Imports `onnxruntime-node`, with a clear error when it cannot load. */
export async function loadOrt(): Promise<OrtModule> {
  const why = notNode();
  if (why) throw new Error(why);
  try {
    const mod = (await import('onnxruntime-node')) as OrtModule & { default?: OrtModule };
    return typeof mod.InferenceSession === 'function' ? mod : mod.default!;
  } catch (e) {
    throw new Error(`onnxruntime-node could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
  }
}
