/**
 * A compiled model as users see it: core validates the spec (sizes included), snapshots the weights,
 * validates every run and keeps the ownership rule; the backend's kernels only compute.
 */
import { progressReporter, splitSignal, throwIfAborted, type AbortSignalLike, type ProgressOptions } from './abort.js';
import type { BackendKernels, CompiledModel, Model, ModelRunOutput } from './backend.js';
import { AbortedError, AttnkitError, DisposedError, OptionError, UnsupportedError } from './errors.js';
import type { DType } from './half-tensor.js';
import { effectiveLimit } from './limits.js';
import { resolveSpec, type ModelSpec } from './model-spec.js';
import { prepareModelRun, type ModelRunOptions } from './model-run.js';
import type { TokenTensor } from './run-input.js';
import type { CallOptions } from './abort.js';
import type { Tensor } from './tensor.js';
import { validateWeights, type Weights } from './weights.js';
import { isResident, type ResidentOptions, type ResidentRegistry, type ResidentTensor } from './resident.js';
import { maxAbs } from './input-scan.js';

/** What {@link wrapModel} needs from the backend that compiles. */
export interface WrapModelContext {
  readonly kernels: BackendKernels;
  readonly spec: ModelSpec;
  readonly weights: Weights;
  /** The backend's memory limit setting. */
  readonly backendMax: number | undefined;
  /** The compile call's signal, if any. */
  readonly signal?: AbortSignalLike | undefined;
  /** Runs kernel work so that the backend's `dispose()` (or `signal`, naming `what`) can abandon it. */
  track<T>(work: () => Promise<T>, signal?: AbortSignalLike, what?: string): Promise<T>;
  /** Throws `ERR_DISPOSED` once the backend is disposed. */
  guard(): void;
  wrapFailure(e: unknown): never;
  onDispose(model: Model): void;
  /** The backend's resident tensors: run inputs may be handles, and results may be kept as handles. */
  readonly registry: ResidentRegistry;
  /** The compile call's `onProgress`, if any. */
  readonly onProgress?: unknown;
  /** The compile call's `dtype`, unchecked. */
  readonly dtype?: unknown;
}

/** Compiles `ctx.spec` with `ctx.weights` on the backend's kernels. */
export async function wrapModel(ctx: WrapModelContext): Promise<Model> {
  const { kernels } = ctx;
  const dtype = expectDtype(ctx.dtype);
  const limit = effectiveLimit(undefined, ctx.backendMax, kernels.memory?.maxBytes);
  // The weights count at the dtype they will be held in: core's copies are that size.
  const resolved = resolveSpec(ctx.spec, { maxBytes: limit, dtype });
  const features = kernels.capabilities.features;
  // Refused before the weights are converted.
  if (dtype === 'float16' && kernels.compile && features.has('models') && !features.has('models:float16')) {
    throw new UnsupportedError(
      `backend "${kernels.name}" does not compile float16 models (${kernels.capabilities.reasons?.['models:float16'] ?? 'not implemented'}); compile with dtype 'float32', or choose a backend that declares models:float16`,
      'options.dtype',
    );
  }
  // Core's own copies, in the model's dtype: nothing the caller does to its arrays afterwards reaches the model.
  const weights = validateWeights(resolved, ctx.weights, dtype);
  if (!kernels.compile || !features.has('models')) {
    throw new UnsupportedError(
      `backend "${kernels.name}" does not compile models (${kernels.capabilities.reasons?.models ?? 'not implemented'})`,
    );
  }
  const compile = kernels.compile.bind(kernels);
  let compiled: CompiledModel;
  const progress = progressReporter(ctx.onProgress, 'options.onProgress');
  progress.sub(0, 1)(0);
  const pending = compile(resolved, weights, progress.sub(0.02, 0.99));
  try {
    compiled = await ctx.track(() => pending, ctx.signal, 'compile');
  } catch (e) {
    // Abandoned by dispose() or aborted: whatever the kernel still compiles is freed once it is done.
    if (e instanceof DisposedError || e instanceof AbortedError)
      void pending.then(
        (m) => m.dispose?.(),
        () => undefined,
      );
    return ctx.wrapFailure(e);
  }
  try {
    progress.finish();
  } catch (e) {
    await compiled.dispose?.();
    throw e;
  }
  let disposed = false;
  const model: Model = {
    spec: resolved,
    dtype,
    weightBytes: compiled.weightBytes,
    run: (async (inputIn: Tensor | TokenTensor | ResidentTensor, callOptions?: ModelRunOptions & CallOptions) => {
      ctx.guard();
      if (disposed) throw new DisposedError('model');
      const { signal, rest } = splitSignal(callOptions, 'options.signal');
      throwIfAborted(signal, `model.run on backend "${kernels.name}"`);
      // Options that are not an object are left for prepareModelRun to refuse.
      const isObject = rest !== null && typeof rest === 'object';
      const {
        resident: keepIn,
        onProgress,
        ...split
      } = (isObject ? rest : {}) as ModelRunOptions & ResidentOptions & ProgressOptions;
      const progress = progressReporter(onProgress, 'options.onProgress');
      const runOptions = isObject ? split : rest;
      if (keepIn !== undefined && typeof keepIn !== 'boolean')
        throw new AttnkitError(
          'ERR_TYPE',
          `options.resident: expected a boolean, got ${typeof keepIn}`,
          'options.resident',
        );
      const keep = keepIn === true;
      // A resident input goes to kernels that take it as it lies; for others it is read where it lies (the
      // store's view) or copied back once.
      const slot = isResident(inputIn) ? ctx.registry.slotOf(inputIn, 'input') : undefined;
      const native = slot !== undefined && compiled.nativeInput === true && resolved.input.kind !== 'tokens';
      const input: Tensor | TokenTensor | ResidentTensor =
        slot && !native ? { shape: slot.shape, data: await ctx.registry.arrayOf(slot) } : inputIn;
      const checked = prepareModelRun(resolved, input, runOptions, {
        maxBytes: ctx.backendMax,
        memory: kernels.memory,
      });
      const req = native ? { ...checked, native: slot.native } : checked;
      let r: ModelRunOutput;
      try {
        progress.sub(0, 1)(0);
        r = await ctx.track(() => compiled.run(req, progress.sub(0.01, 0.99)), signal, 'model.run');
      } catch (e) {
        return ctx.wrapFailure(e);
      }
      expectFiniteLogits(r.logits);
      progress.finish();
      const C = resolved.output.classes;
      const logitsShape = resolved.output.kind === 'pooled' ? [req.batch, C] : [req.batch, req.length, C];
      const inputData = isResident(input) ? undefined : input.data;
      const own = (a: Float32Array): Float32Array => (a.buffer === inputData?.buffer ? a.slice() : a);
      const logits: Tensor = { shape: logitsShape, data: own(r.logits) };
      const attention = (r.attention ?? []).map((a) => ({
        shape: [req.batch, resolved.heads, req.length, req.length],
        data: own(a),
      }));
      if (keep) {
        const put = (t: Tensor): ResidentTensor => ctx.registry.adoptArray(t.data, t.shape, maxAbs(t.data));
        const kept = { logits: put(logits) };
        return (req.attentionOf.length === 0 ? kept : { ...kept, attention: attention.map(put) }) as never;
      }
      if (req.attentionOf.length === 0) return { logits };
      return { logits, attention };
    }) as Model['run'],
    async dispose() {
      if (disposed) return;
      disposed = true;
      ctx.onDispose(model);
      await compiled.dispose?.();
    },
  };
  return model;
}

/** The compile's dtype: `float32` unless `float16` is asked for. */
function expectDtype(value: unknown): DType {
  if (value === undefined || value === 'float32') return 'float32';
  if (value === 'float16') return 'float16';
  throw new OptionError(
    'ERR_OPTION',
    `options.dtype: expected 'float32' or 'float16', got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
    'options.dtype',
  );
}

/** Finite input through finite weights must not give NaN: say so instead of returning it. */
function expectFiniteLogits(logits: Float32Array): void {
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i]!;
    if (x - x !== 0) {
      throw new AttnkitError(
        'ERR_RANGE',
        `input: the model's activations left float32's range (logit ${i} is ${x}); the input's magnitudes are too large for these weights, scale the input down`,
        'input',
      );
    }
  }
}
