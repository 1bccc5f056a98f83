/**
 * Choosing, starting and sharing TensorFlow.js backends.
 *
 * tfjs keeps one global engine per JavaScript realm with one *active* backend, and a tensor moves (for
 * good) to whichever backend is active when an op uses it. attnkit backends therefore never leave work to
 * the global state: every piece of tfjs work runs inside {@link withRuntime}, which makes the attnkit backend's
 * own tfjs backend active for the duration of one synchronous block and restores the previous one after.
 * Two attnkit backends (say wasm and cpu) and the application's own tfjs code can then share the engine,
 * and disposing one attnkit backend frees only the tensors it made: tfjs backends themselves are never
 * removed, since others may use them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { BackendError, OptionError } from '@attnkit/core';

/** A TensorFlow.js backend attnkit can run on. `webgl` and `webgpu` must be registered by the application. */
export type TfjsBackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';

const ENGINES: readonly TfjsBackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

/** Options for starting a tfjs backend. */
export interface TfjsRuntimeOptions {
  /** The tfjs backend; default: `wasm`, falling back to `cpu` (with the reason in `info.fallback`). */
  readonly backend?: TfjsBackendName;
  /**
   * Where the wasm backend finds its `.wasm` files (a path prefix or a file-name map, as tfjs's
   * `setWasmPaths`). Only needed when bundling; tfjs reads it once, before the wasm backend first starts.
   */
  readonly wasmPaths?: string | WasmFileMap;
}

/** @deprecated The former name of {@link TfjsBackendName}. */
export type TfjsEngineName = TfjsBackendName;
/** @deprecated The former name of {@link TfjsRuntimeOptions}. */
export type EngineOptions = TfjsRuntimeOptions;

/** Locations of the wasm backend's binaries, by file name. */
export type WasmFileMap = Partial<
  Record<'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm', string>
>;

/** A started tfjs backend. */
export interface StartedRuntime {
  readonly name: TfjsBackendName;
  /** Facts for `Backend.info`. */
  readonly info: Readonly<Record<string, string | number | boolean>>;
}

/** Asynchronous backend starts this package has begun and not finished. */
const starting = new Set<Promise<unknown>>();

/**
 * Runs `fn` with tfjs backend `name` active, as one synchronous block, then makes the previously active
 * backend active again. `fn` must not await: another attnkit backend could switch the engine in between.
 * tfjs refuses every op while any backend is starting asynchronously, so this first waits for the starts
 * this package has begun.
 */
export async function withRuntime<T>(name: TfjsBackendName, fn: () => T): Promise<T> {
  // The emptiness check and the run are one synchronous step: no start can begin in between.
  while (starting.size > 0) await Promise.allSettled(starting);
  return runOn(name, fn);
}

function runOn<T>(name: TfjsBackendName, fn: () => T): T {
  const previous = tf.getBackend();
  const switching = previous !== name;
  if (switching) activate(name);
  try {
    return fn();
  } finally {
    // Only restore a backend that is started (a failed start leaves its name behind without a backend).
    if (switching && previous && startedBackend(previous)) activate(previous);
  }
}

/**
 * The backend instance if it has started. (Not `tf.findBackend`: for a registered backend that has not
 * started, that begins starting it, and an unfinished asynchronous start blocks every op.)
 */
function startedBackend(name: string): tf.KernelBackend | undefined {
  return tf.engine().registry[name];
}

function activate(name: string): void {
  // `setBackend` returns a promise, but for a backend that has already started it switches before
  // returning; the check below makes sure of it.
  void tf.setBackend(name);
  const wanted = startedBackend(name);
  if (!wanted || tf.engine().backend !== wanted) {
    throw new BackendError('tfjs', `could not make the tfjs backend "${name}" active`);
  }
}

/**
 * Loads and starts a tfjs backend; with no explicit choice, wasm where it starts, else cpu.
 * Throws a {@link BackendError} when an explicitly chosen backend cannot start.
 */
export async function startRuntime(options: TfjsRuntimeOptions = {}): Promise<StartedRuntime> {
  if (options.backend !== undefined && !ENGINES.includes(options.backend)) {
    throw new OptionError(
      'ERR_OPTION',
      `options.backend: got ${JSON.stringify(options.backend)}, expected one of ${ENGINES.join(', ')}`,
      'options.backend',
    );
  }
  if (options.backend !== undefined) {
    const failure = await tryStart(options.backend, options);
    if (failure) throw new BackendError('tfjs', `the tfjs "${options.backend}" backend cannot start: ${failure}`);
    return started(options.backend);
  }
  const wasmFailure = await tryStart('wasm', options);
  if (!wasmFailure) return started('wasm');
  const cpuFailure = await tryStart('cpu', options);
  if (cpuFailure)
    throw new BackendError('tfjs', `no tfjs backend starts here: wasm: ${wasmFailure}; cpu: ${cpuFailure}`);
  return started('cpu', `wasm unavailable: ${wasmFailure}`);
}

function started(name: TfjsBackendName, fallback?: string): StartedRuntime {
  const info: Record<string, string | number | boolean> = {
    engine: 'TensorFlow.js',
    tfjsBackend: name,
    tfjsVersion: tf.version_core,
  };
  if (name === 'wasm') {
    info.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    info.threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? 'multi' : 1;
  }
  if (fallback) info.fallback = fallback;
  return { name, info };
}

/** Starts backend `name` if it has not started yet; returns why it cannot, or `undefined` on success. */
async function tryStart(name: TfjsBackendName, options: TfjsRuntimeOptions): Promise<string | undefined> {
  if (startedBackend(name)) return undefined;
  try {
    if (name === 'cpu') {
      await import('@tensorflow/tfjs-backend-cpu');
    } else if (name === 'wasm') {
      if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly === 'undefined')
        return 'WebAssembly is not available in this runtime';
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      if (options.wasmPaths !== undefined) {
        try {
          wasm.setWasmPaths(options.wasmPaths);
        } catch {
          // tfjs takes the paths only before its first attempt to start wasm; that attempt's paths stay.
        }
      }
    } else if (!tf.findBackendFactory(name)) {
      return `it is not registered; import "@tensorflow/tfjs-backend-${name}" in the application first`;
    }
  } catch (e) {
    return `its package failed to load (${e instanceof Error ? e.message : String(e)})`;
  }
  return initialise(name);
}

/**
 * Starts a registered backend without leaving it active. tfjs reports start-up failures only as console
 * warnings, so those are collected (and still printed) to give the reason.
 */
async function initialise(name: TfjsBackendName): Promise<string | undefined> {
  const previous = tf.getBackend();
  const warnings: string[] = [];
  // The console of any runtime (the build targets no particular one, so it is not typed globally).
  const con = (globalThis as unknown as { console: { warn: (...args: unknown[]) => void } }).console;
  const warn = con.warn;
  con.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
    warn.apply(con, args);
  };
  let ok = false;
  const start = tf.setBackend(name);
  starting.add(start);
  try {
    ok = await start;
  } catch (e) {
    warnings.push(e instanceof Error ? e.message : String(e));
  } finally {
    starting.delete(start);
    con.warn = warn;
  }
  if (ok) quietNodeAdvice(name);
  // Leave the engine as it was: the previous backend if it runs, else the one just started.
  const restore =
    previous && startedBackend(previous) ? previous : ok ? name : startedBackend('cpu') ? 'cpu' : undefined;
  if (restore && restore !== tf.getBackend()) activate(restore);
  if (ok) return undefined;
  const cause = warnings.find((w) => /ENOENT|fetch|abort|failed to/i.test(w)) ?? warnings[0];
  return cause ? cause.split('\n')[0]!.slice(0, 300) : 'tfjs could not initialise it';
}

/**
 * The cpu backend prints, on first use under Node, advice to install a package that this backend is
 * built to do without; mark it as already given.
 */
function quietNodeAdvice(name: TfjsBackendName): void {
  const backend = startedBackend(name) as unknown as { firstUse?: boolean } | undefined;
  if (name === 'cpu' && backend && backend.firstUse === true) backend.firstUse = false;
}
