/**
 * The backend contract.
 *
 * A backend package implements {@link BackendKernels} (attention on a validated {@link AttentionProblem},
 * optionally `compile` on a validated spec) and exports a {@link BackendPlugin} whose `create()` returns
 * `defineBackend(kernels)`. Core wraps the kernels: it validates every call once, refuses what the
 * capabilities exclude, converts layouts, builds `present`, and guards against use after dispose.
 */
import type { AttentionOptions, AttentionResult } from './attention-options.js';
import { expectFiniteInputs, prepareAttention, type AttentionProblem } from './attention-problem.js';
import { pack } from './layout.js';
import {
  describeMissing,
  exceededLimit,
  missingFeatures,
  requiredFeatures,
  type Capabilities,
} from './capabilities.js';
import {
  expectSignal,
  splitSignal,
  throwIfAborted,
  type AbortSignalLike,
  type CallOptions,
  type ProgressOptions,
  type ProgressSink,
} from './abort.js';
import { AbortedError, AttnkitError, BackendError, DisposedError, UnsupportedError } from './errors.js';
import { expectRepresentable, settledBySquares, type InputSquares } from './input-scan.js';
import { effectiveLimit, expectMaxBytes, expectWithinLimit, type MemoryModel } from './limits.js';
import { InFlight } from './in-flight.js';
import type { ModelSpec, ResolvedSpec } from './model-spec.js';
import { wrapModel } from './model-wrap.js';
import type { TokenTensor } from './run-input.js';
import type { ModelRunOptions, ModelRunRequest } from './model-run.js';
import type { Tensor } from './tensor.js';
import { looksHalf, type AnyTensor } from './half-tensor.js';
import { float16Bits, float32FromHalf } from './half.js';
import type { ModelWeights, Weights } from './weights.js';
import type { DType } from './half-tensor.js';
import {
  hostStore,
  ResidentRegistry,
  type ResidentStats,
  type ResidentStore,
  type ResidentTensor,
  type TensorInput,
} from './resident.js';
import { CacheStorage, type KVCache, type KVCacheOptions } from './kv-cache.js';
import {
  isResidentCall,
  residentAttention,
  type ResidentAttentionOutput,
  type ResidentCallOptions,
  type ResidentProblem,
  type ResidentRoad,
} from './resident-attention.js';

/** What a backend kernel returns for one attention call, rank 4. */
export interface AttentionOutput {
  /**
   * `[B, Hq, Sq, Dv]`: float32, or float16 bits in a `Uint16Array` from a kernel that narrows its own
   * result (only for `problem.dtype === 'float16'`). Core converts to `problem.outputDtype`.
   */
  readonly output: Float32Array | Uint16Array;
  /** The attention map `[B, Hq, Sq, T]`, when `problem.attentionMap !== 'none'`. */
  readonly attentionMap?: Float32Array;
  /**
   * Sums of the squares of every element of `q`, `k` and `v` (k and v with the past), from kernels that
   * declare `sumsInputSquares`.
   */
  readonly inputSquares?: InputSquares;
}

/** Output of a compiled model. */
export interface ModelOutput<T extends Tensor | ResidentTensor = Tensor> {
  /** `[B, S, C]` per position, or `[B, C]` pooled. */
  readonly logits: T;
  /** Attention probabilities `[B, H, S, S]`, one per requested layer, in the order requested. */
  readonly attention?: readonly T[];
}

/** A compiled model: weights resident in the backend, runnable many times. */
export interface Model {
  /** The spec it was compiled from, validated and with every default filled in. */
  readonly spec: ResolvedSpec;
  /**
   * The dtype the model holds its weights in (`compile`'s `options.dtype`). Inputs, activations and outputs
   * are float32 either way.
   */
  readonly dtype: DType;
  /**
   * Bytes the model's weights take in the backend's memory, as the backend counts what it allocated for
   * them (`undefined` where it does not count). About half with `dtype: 'float16'`.
   */
  readonly weightBytes: number | undefined;
  /**
   * Runs the encoder on `input` `[B, S, F]`, or on token ids `[B, S]` for a spec with token input.
   * @param options.lengths valid length of each sequence (default: all `S`)
   * @param options.attentionOf layers whose attention probabilities to return
   * @param options.graph restricts every layer's attention to a graph's edges
   * @param options.signal aborting it rejects the run with `ERR_ABORTED` (the model stays usable)
   */
  run(
    input: Tensor | TokenTensor | ResidentTensor,
    options?: ModelRunOptions & CallOptions & ProgressOptions,
  ): Promise<ModelOutput>;
  /**
   * Runs the encoder and keeps its logits (and attention maps) in the backend as {@link ResidentTensor}s.
   * `input` may be a resident tensor of the same backend.
   */
  run(
    input: Tensor | TokenTensor | ResidentTensor,
    options: ModelRunOptions &
      CallOptions &
      ProgressOptions & {
        /** Keep the logits and attention maps in the backend, as handles the caller disposes of. */
        readonly resident: true;
      },
  ): Promise<ModelOutput<ResidentTensor>>;
  /** Frees the model's resources. Further `run` calls throw `ERR_DISPOSED`. */
  dispose(): Promise<void>;
}

/** What a backend kernel returns for one model run. */
export interface ModelRunOutput {
  /** Logits, row-major `[B, S, C]` per position (zeros at padded positions) or `[B, C]` pooled; a fresh array. */
  readonly logits: Float32Array;
  /** One `[B, H, S, S]` array per entry of `request.attentionOf`. */
  readonly attention?: readonly Float32Array[];
}

/** A model compiled by a backend's kernels. */
export interface CompiledModel {
  /** Runs the model on a validated request; returns fresh arrays. */
  run(request: ModelRunRequest, progress?: ProgressSink): Promise<ModelRunOutput>;
  /**
   * `run` takes a resident feature input as the native of {@link BackendKernels.resident}
   * (`request.native`) instead of core reading it back into an array first.
   */
  readonly nativeInput?: boolean;
  /**
   * Bytes the model holds for its weights, counted from what the kernel allocated (arrays, device
   * buffers, an engine's initializers). Backends that declare `models:float16` report it.
   */
  readonly weightBytes?: number;
  /** Frees what the model holds (core calls it once, after every run has finished). */
  dispose?(): void | Promise<void>;
}

/** What a backend package implements; inputs are always valid. */
export interface BackendKernels {
  /** The backend's name (as its plugin registers it), used in reports and error messages. */
  readonly name: string;
  /** The features and limits the kernels support: core refuses a call that needs more before calling them. */
  readonly capabilities: Capabilities;
  /** Free-form facts shown in reports (device, threads, versions). */
  readonly info?: Readonly<Record<string, string | number | boolean>>;
  /** Computes one validated attention call; returns fresh arrays. */
  attention(problem: AttentionProblem): Promise<AttentionOutput>;
  /**
   * The kernel sums the squares of its inputs as part of its own run and returns them as `inputSquares`
   * (in any precision and order, over every element of `problem.q`, `problem.k` and `problem.v`, so the
   * past is included). Core then skips its scan of the inputs before the call: a non-finite element makes
   * a sum non-finite, and the sums bound the magnitudes the range rule limits, so core scans only when a
   * sum is not finite (or missing) or near the limit and, if the scan finds a fault, throws the same
   * `ERR_NON_FINITE` or `ERR_RANGE` and discards the kernel's result. Callers see no difference; the scan
   * moves off the JavaScript thread onto a device that sums faster. When a call has both a non-finite
   * input and another fault, the other fault's error may be reported instead.
   */
  readonly sumsInputSquares?: boolean;
  /**
   * The kernel reads float16 calls from `problem.halves` (the caller's half bits) where core gives them
   * (rank 4, no past), and widens or converts them itself. Core then makes no float32 copies up front:
   * `problem.q`, `problem.k` and `problem.v` widen on first read (so a kernel path that needs float32
   * still has it, at the old cost), the input scan reads the bits, and the memory count leaves out the
   * float32 copies (`AttentionDims.halfInputs` tells `memory.scratchBytes` so). A kernel that narrows its own
   * result returns it as half bits (see {@link AttentionOutput.output}).
   */
  readonly takesHalves?: boolean;
  /** What the engine allocates beyond core's arrays, and the most it can address; counted against the memory limit. */
  readonly memory?: MemoryModel;
  /**
   * Compiles a validated spec. `weights` are core's own copies, all in `weights.dtype`: float32 arrays, or
   * half bits (`Uint16Array`) for a float16 compile, which core asks for only where the capabilities
   * declare `models:float16`. The kernel may keep them without copying; the caller's arrays are never
   * reached.
   */
  compile?(spec: ResolvedSpec, weights: ModelWeights, progress?: ProgressSink): Promise<CompiledModel>;
  /**
   * The backend's own memory for resident tensors and caches (a GPUBuffer, WebAssembly memory, an engine's
   * tensors). Without it, core keeps them in JavaScript arrays.
   */
  readonly resident?: ResidentStore;
  /**
   * Attention on inputs that may be natives of {@link BackendKernels.resident} (see {@link ResidentProblem}),
   * returning a native when `problem.keep`. Without it, core hands `attention` the store's views or copies.
   */
  residentAttention?(problem: ResidentProblem): Promise<ResidentAttentionOutput>;
  /** Frees the engine's resources (core calls it once, from the backend's `dispose()`). */
  dispose?(): void | Promise<void>;
}

/** Options of `Backend.compile` beyond cancelling and progress. */
export interface CompileOptions {
  /**
   * The dtype the model holds its weights in: `float32` (the default), or `float16` (half the memory, on
   * backends that declare `models:float16`; the others refuse it with `ERR_UNSUPPORTED`). Weights given in
   * the other dtype are converted: float16 to float32 exactly, float32 to float16 rounded to nearest even
   * (values beyond ±65504 are refused with `ERR_RANGE`). The model computes in float32, on the weights
   * it holds, unless its backend says otherwise.
   */
  readonly dtype?: DType;
}

/** Settings every backend takes at `create` (in its own options object). */
export interface BackendSettings {
  /**
   * The most one call, compile or model run may allocate, in bytes (default {@link defaultMaxBytes});
   * a request's own `maxBytes` overrides it. Refused requests throw `ERR_TOO_LARGE` before allocating.
   */
  readonly maxBytes?: number;
}

/** An attention backend, as users see it. */
export interface Backend {
  /** The backend's name, e.g. `ts` or `webgpu`: what `force` and `prefer` take. */
  readonly name: string;
  /** What it supports here: its features, with a reason for each it lacks, and its size limits. */
  readonly capabilities: Capabilities;
  /** Free-form facts for reports (device, threads, versions); `{}` when the backend gives none. */
  readonly info: Readonly<Record<string, string | number | boolean>>;
  /**
   * Scaled dot-product attention.
   *
   * @example
   * ```ts
   * const { output } = await backend.attention(q, k, v, { causal: true });
   * ```
   *
   * `options.signal` cancels the call: it rejects with `ERR_ABORTED` at once, its result is dropped, and
   * the backend stays usable.
   */
  attention(
    q: Tensor | ResidentTensor,
    k: Tensor | ResidentTensor,
    v: Tensor | ResidentTensor,
    options: AttentionOptions &
      CallOptions &
      ResidentCallOptions & {
        /** Keep the result in the backend, as handles the caller disposes of. */
        readonly resident: true;
      },
  ): Promise<AttentionResult<ResidentTensor>>;
  /**
   * Scaled dot-product attention; any of q, k, v may be a {@link ResidentTensor} of this backend.
   * `options.resident: true` keeps the result in the backend (as handles); `options.cache` appends this
   * call's keys and values to a {@link KVCache} and attends over all it holds (see {@link Backend.createCache}).
   */
  attention(
    q: Tensor | ResidentTensor,
    k: Tensor | ResidentTensor,
    v: Tensor | ResidentTensor,
    options?: AttentionOptions & CallOptions & ResidentCallOptions,
  ): Promise<AttentionResult>;
  /**
   * Attention on float16 tensors (or mixed calls refused with `ERR_DTYPE`), on backends whose capabilities
   * declare `float16`; the result is float16 unless `options.outputDtype` is `'float32'`.
   *
   * @example
   * ```ts
   * const { output } = await backend.attention(toFloat16(q), toFloat16(k), toFloat16(v), { causal: true });
   * ```
   */
  attention(
    q: AnyTensor,
    k: AnyTensor,
    v: AnyTensor,
    options?: AttentionOptions & CallOptions,
  ): Promise<AttentionResult<AnyTensor>>;
  /**
   * Compiles a transformer encoder with its weights (float32 or float16 tensors, converted to
   * `options.dtype`). `options.signal` cancels it (`ERR_ABORTED`); a model the kernel still finishes is
   * then disposed.
   *
   * @example
   * ```ts
   * const model = await backend.compile(spec, weights, { dtype: 'float16' }); // half the weight memory
   * ```
   */
  compile(spec: ModelSpec, weights: Weights, options?: CompileOptions & CallOptions & ProgressOptions): Promise<Model>;
  /**
   * Copies a float32 tensor into the backend's memory and returns its handle. Pass the handle to
   * attention calls and model runs as any input; `await handle.read()` brings the data back, and
   * `handle.dispose()` frees it. The tensor is checked as inputs are (finite, within the memory limit).
   *
   * @example
   * ```ts
   * const kv = await backend.upload(k); // resident: used by many calls without being copied again
   * const { output } = await backend.attention(q, kv, kv);
   * kv.dispose();
   * ```
   */
  upload(tensor: Tensor): Promise<ResidentTensor>;
  /**
   * Allocates a key/value cache of fixed capacity in the backend's memory. Give it to attention calls as
   * `options.cache`: each call appends its keys and values in place and its queries attend over all the
   * cache holds, with causal masks, windows and ALiBi aligned to their positions.
   *
   * @example
   * ```ts
   * const cache = await backend.createCache({ kvHeads: 8, keyDim: 128, capacity: 4096 });
   * const { output } = await backend.attention(q, kStep, vStep, { cache, causal: true });
   * ```
   */
  createCache(options: KVCacheOptions): Promise<KVCache>;
  /** What the backend holds in resident tensors and caches, and how many copies it made between memories. */
  residentStats(): ResidentStats;
  /**
   * Frees the backend's resources. Calls still in flight reject with `ERR_DISPOSED` at once (their work is
   * abandoned); later calls throw `ERR_DISPOSED`.
   */
  dispose(): Promise<void>;
}

/** Result of a plugin's probe. */
export interface ProbeResult {
  /** Whether the backend can start here; selection skips it (status `unavailable`) when not. */
  readonly available: boolean;
  /** Why it is unavailable, or what was found (e.g. the adapter's name). */
  readonly reason?: string;
}

/** What a backend package exports. */
export interface BackendPlugin<O = unknown> {
  /** Unique within a registry (re-registering a name replaces the plugin); the name `force` and `prefer` take. */
  readonly name: string;
  /**
   * The features and limits it has wherever it runs, known without creating a backend: selection
   * skips a plugin that lacks a required feature without starting it. A created backend's own
   * `capabilities` may add device limits.
   */
  readonly capabilities?: Capabilities;
  /** Checks, cheaply and without throwing, whether the backend can run here. */
  probe(): Promise<ProbeResult>;
  /** Starts a backend with these options; throws (a typed error) when it cannot start. */
  create(options?: O): Promise<Backend>;
}

/**
 * Wraps backend kernels into a {@link Backend}: validation, memory limits, capability checks, layout
 * conversion, `present`, the ownership rule (results never share memory with the caller's arrays) and
 * dispose guards. Every backend package builds its backend with this.
 *
 * @param settings the backend's share of its `create` options (see {@link BackendSettings})
 */
export function defineBackend(kernels: BackendKernels, settings: BackendSettings = {}): Backend {
  let disposed = false;
  const backendMax = expectMaxBytes(settings.maxBytes, 'options.maxBytes');
  const inFlight = new InFlight();
  const models = new Set<{ dispose(): Promise<void> }>();
  const name = kernels.name;
  const guard = (): void => {
    if (disposed) throw new DisposedError(`backend "${name}"`);
  };
  const wrapFailure = (e: unknown): never => {
    if (e instanceof AttnkitError) throw e;
    throw new BackendError(name, nativeSummary(e), e);
  };
  /**
   * Runs kernel work; rejects with ERR_DISPOSED at once if the backend is disposed meanwhile, and with
   * ERR_ABORTED (naming `what`) at once when `signal` aborts.
   */
  const track = <T>(work: () => Promise<T>, signal?: AbortSignalLike, what = 'the call'): Promise<T> =>
    inFlight.run(
      work,
      () => new DisposedError(`backend "${name}"`),
      signal && { signal, error: () => new AbortedError(`${what} on backend "${name}"`, signal.reason) },
    );
  /** The array road: every call whose tensors are arrays (`also`: more arrays the result may not share). */
  const arrayAttention = async (
    q: AnyTensor,
    k: AnyTensor,
    v: AnyTensor,
    options: AttentionOptions | undefined,
    signal: AbortSignalLike | undefined,
    also: readonly ArrayBufferView[] = [],
  ): Promise<AttentionResult<AnyTensor>> => {
    // The kernels' sums cover float32 calls; float16 inputs are scanned as core widens them.
    const deferred = kernels.sumsInputSquares === true && !isHalfCall(q, k, v, options);
    const p = prepareAttention(q, k, v, options, {
      finiteInputs: !deferred,
      maxBytes: backendMax,
      memory: kernels.memory,
      halves: kernels.takesHalves === true,
    });
    // With the scan deferred, the refusals below still report a non-finite input first, as without it.
    const checkInputs = (): void => {
      if (deferred)
        expectRepresentable(
          p,
          expectFiniteInputs(
            q as Tensor,
            k as Tensor,
            v as Tensor,
            options as Parameters<typeof expectFiniteInputs>[3],
          ),
        );
    };
    const missing = missingFeatures(kernels.capabilities, requiredFeatures(p));
    if (missing.length > 0) {
      checkInputs();
      throw new UnsupportedError(`backend "${name}" does not support ${describeMissing(missing)}`);
    }
    const over = exceededLimit(kernels.capabilities, p);
    if (over) {
      checkInputs();
      throw new UnsupportedError(`backend "${name}" ${over.message}`, over.argument);
    }
    if (p.keyLength === 0) {
      // No keys at all: every query row has nothing to attend to, so it outputs zeros (as a fully masked row).
      checkInputs();
      return assembleResult(p, zeroOutput(p), [q.data, k.data, v.data]);
    }
    let out: AttentionOutput;
    try {
      out = await track(() => kernels.attention(p), signal, 'attention');
    } catch (e) {
      if (!(e instanceof DisposedError) && !(e instanceof AbortedError)) checkInputs();
      return wrapFailure(e);
    }
    // The kernel's sums settle the scan unless one is missing, not finite, or near the range limit.
    if (deferred && !(out.inputSquares && settledBySquares(p, out.inputSquares))) checkInputs();
    return assembleResult(p, out, [...callerArrays(q, k, v, options), ...also]);
  };
  const registry = new ResidentRegistry(name, kernels.resident ?? hostStore(), guard);
  const road: ResidentRoad = {
    name,
    registry,
    capabilities: kernels.capabilities,
    ...(kernels.residentAttention && { residentAttention: kernels.residentAttention.bind(kernels) }),
    backendMax,
    memory: kernels.memory,
    arrays: arrayAttention,
    kernel: async (p, signal) => {
      try {
        const out = await track(() => kernels.attention(p), signal, 'attention');
        return out.output instanceof Uint16Array ? float32FromHalf(out.output) : out.output;
      } catch (e) {
        return wrapFailure(e);
      }
    },
    track,
    wrapFailure,
  };
  /** The most an upload or a cache may take: the backend's limit and the engine's cap. */
  const residentLimit = (): number => effectiveLimit(undefined, backendMax, kernels.memory?.maxBytes);
  return {
    name,
    capabilities: kernels.capabilities,
    info: kernels.info ?? {},
    attention: (async (
      q: TensorInput,
      k: TensorInput,
      v: TensorInput,
      callOptions?: AttentionOptions & CallOptions & ResidentCallOptions,
    ) => {
      guard();
      const { signal, rest } = splitSignal(callOptions, 'options.signal');
      throwIfAborted(signal, `attention on backend "${name}"`);
      const { cache, resident, ...options } = (rest ?? {}) as AttentionOptions & ResidentCallOptions;
      if (isResidentCall(q, k, v, (rest ?? {}) as AttentionOptions & ResidentCallOptions))
        return residentAttention(road, q, k, v, options, { cache, resident }, signal);
      return arrayAttention(
        q as AnyTensor,
        k as AnyTensor,
        v as AnyTensor,
        rest as AttentionOptions | undefined,
        signal,
      );
    }) as Backend['attention'],
    async upload(t: AnyTensor) {
      guard();
      if (t !== null && typeof t === 'object' && (t as Tensor).data instanceof Float32Array)
        expectWithinLimit(
          'upload',
          [
            {
              what: `tensor [${(t as Tensor).shape.join(', ')}]`,
              bytes: (t as Tensor).data.length * 4,
              argument: 'tensor',
            },
          ],
          residentLimit(),
        );
      return registry.upload(t);
    },
    async createCache(options: KVCacheOptions) {
      guard();
      return new CacheStorage(registry, options, backendMax, kernels.memory?.maxBytes);
    },
    residentStats: () => registry.stats(),
    async compile(spec, weights, options) {
      guard();
      const signal = expectSignal((options as CallOptions | undefined)?.signal, 'options.signal');
      const onProgress = (options as ProgressOptions | undefined)?.onProgress;
      const dtype = (options as CompileOptions | undefined)?.dtype;
      throwIfAborted(signal, `compile on backend "${name}"`);
      const model = await wrapModel({
        kernels,
        spec,
        weights,
        signal,
        backendMax,
        track,
        guard,
        wrapFailure,
        onDispose: (m) => models.delete(m),
        registry,
        onProgress,
        dtype,
      });
      models.add(model);
      return model;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      inFlight.abandonAll();
      for (const m of models) await m.dispose();
      models.clear();
      registry.disposeAll();
      await kernels.dispose?.();
    },
  };
}

/** Every array the caller passed with a call: results must never share memory with them. */
function callerArrays(
  q: AnyTensor,
  k: AnyTensor,
  v: AnyTensor,
  options: AttentionOptions | undefined,
): ArrayBufferView[] {
  const list: ArrayBufferView[] = [q.data, k.data, v.data];
  if (options?.past) list.push(options.past.key.data, options.past.value.data);
  if (options?.mask) list.push(options.mask.data);
  return list;
}

/** True when any tensor of the call is float16 (the full check is {@link prepareAttention}'s). */
function isHalfCall(q: unknown, k: unknown, v: unknown, options: AttentionOptions | undefined): boolean {
  const past = options?.past as { key?: unknown; value?: unknown } | undefined;
  return [q, k, v, past?.key, past?.value].some(looksHalf);
}

/** An owned copy of `a` when it shares memory with one of `caller`, else `a`. */
export function ownedArray<A extends Float32Array | Uint16Array>(a: A, caller: readonly ArrayBufferView[]): A {
  for (const c of caller) if (c.buffer === a.buffer) return a.slice() as A;
  return a;
}

function zeroOutput(p: AttentionProblem): AttentionOutput {
  const out = new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim);
  return p.attentionMap === 'none' ? { output: out } : { output: out, attentionMap: new Float32Array(0) };
}

function assembleResult(
  p: AttentionProblem,
  out: AttentionOutput,
  caller: readonly ArrayBufferView[],
): AttentionResult<AnyTensor> {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, valueDim: Dv, keyDim: Dk } = p;
  // A kernel's float16 output is widened exactly for the layout change; the result dtype is applied last.
  const out32 = out.output instanceof Uint16Array ? float32FromHalf(out.output) : out.output;
  const typed = (shape: number[], data: Float32Array): AnyTensor =>
    p.outputDtype === 'float16'
      ? { shape, data: float16Bits(data), dtype: 'float16' }
      : { shape, data: ownedArray(data, caller) };
  const output =
    p.outputDtype === 'float16' && !p.packed && out.output instanceof Uint16Array
      ? { shape: [B, Hq, Sq, Dv], data: ownedArray(out.output, caller), dtype: 'float16' as const }
      : p.packed
        ? typed([B, Sq, Hq * Dv], pack(out32, B, Hq, Sq, Dv))
        : typed([B, Hq, Sq, Dv], out32);
  const result: {
    output: AnyTensor;
    present?: { key: AnyTensor; value: AnyTensor };
    attentionMap?: AnyTensor;
    weights?: AnyTensor;
  } = { output };
  if (p.returnPresent) {
    result.present = { key: typed([B, Hkv, T, Dk], p.k), value: typed([B, Hkv, T, Dv], p.v) };
  }
  if (p.attentionMap !== 'none') {
    if (!out.attentionMap)
      throw new BackendError('unknown', `attention map "${p.attentionMap}" was requested but not returned`);
    result.attentionMap = typed([B, Hq, Sq, T], out.attentionMap);
    // The former name of the same tensor, for callers of the earlier API.
    // oxlint-disable-next-line typescript/no-deprecated -- the one place that sets the former name
    result.weights = result.attentionMap;
  }
  return result;
}

/**
 * The first line of a native error's message, at most 300 characters: engines attach pages of log text to
 * their errors. The whole error stays reachable as the `cause`.
 */
export function nativeSummary(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? 'failed without a message';
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}
