/**
 * The backend contract.
 *
 * A backend package implements {@link BackendKernels} (attention on a validated {@link AttentionProblem},
 * optionally `compile` on a validated spec) and exports a {@link BackendPlugin} whose `create()` returns
 * `defineBackend(kernels)`. Core wraps the kernels: it validates every call once, refuses what the
 * capabilities exclude, converts layouts, builds `present`, and guards against use after dispose.
 */
import type { AttentionOptions, AttentionResult } from './attention-options.js';
import { expectFiniteInputs, pack, prepareAttention, type AttentionProblem } from './attention-problem.js';
import { missingFeatures, requiredFeatures, type Capabilities } from './capabilities.js';
import { AttnkitError, BackendError, DisposedError, UnsupportedError } from './errors.js';
import type { ModelSpec, ResolvedSpec } from './model-spec.js';
import { resolveSpec } from './model-spec.js';
import { prepareModelRun, type ModelRunOptions, type ModelRunRequest } from './model-run.js';
import type { Tensor } from './tensor.js';
import { validateWeights, type Weights } from './weights.js';

/** What a backend kernel returns for one attention call, rank 4. */
export interface AttentionOutput {
  /** `[B, Hq, Sq, Dv]` */
  readonly output: Float32Array;
  /** `[B, Hq, Sq, T]`, when `problem.weights !== 'none'`. */
  readonly weights?: Float32Array;
  /** The sum of every element of `q`, `k` and `v`, from kernels that declare `sumsInputs`. */
  readonly inputSum?: number;
}

/** Output of a compiled model. */
export interface ModelOutput {
  /** `[B, S, C]` per position, or `[B, C]` pooled. */
  readonly logits: Tensor;
  /** Attention probabilities `[B, H, S, S]`, one per requested layer, in the order requested. */
  readonly attention?: readonly Tensor[];
}

/** A compiled model: weights resident in the backend, runnable many times. */
export interface Model {
  readonly spec: ResolvedSpec;
  /**
   * Runs the encoder on `input` `[B, S, F]`.
   * @param options.lengths valid length of each sequence (default: all `S`)
   * @param options.attentionOf layers whose attention probabilities to return
   */
  run(input: Tensor, options?: ModelRunOptions): Promise<ModelOutput>;
  /** Frees the model's resources. Further `run` calls throw `ERR_DISPOSED`. */
  dispose(): Promise<void>;
}

/** What a backend kernel returns for one model run. */
export interface ModelRunOutput {
  readonly logits: Float32Array;
  /** One `[B, H, S, S]` array per entry of `request.attentionOf`. */
  readonly attention?: readonly Float32Array[];
}

/** A model compiled by a backend's kernels. */
export interface CompiledModel {
  run(request: ModelRunRequest): Promise<ModelRunOutput>;
  dispose?(): void | Promise<void>;
}

/** What a backend package implements; inputs are always valid. */
export interface BackendKernels {
  readonly name: string;
  readonly capabilities: Capabilities;
  /** Free-form facts shown in reports (device, threads, versions). */
  readonly info?: Readonly<Record<string, string | number | boolean>>;
  attention(problem: AttentionProblem): Promise<AttentionOutput>;
  /**
   * The kernel sums its inputs as part of its own run and returns the sum as `inputSum` (in any precision
   * and order, over every element of `problem.q`, `problem.k` and `problem.v`, so the past is included).
   * Core then skips its scan of the inputs for NaN and ±Infinity before the call: a non-finite element
   * makes the sum non-finite, so core scans only when the sum is not finite (or missing) and, if the scan
   * finds one, throws the same `ERR_NON_FINITE` and discards the kernel's result. Callers see no
   * difference; the scan moves off the JavaScript thread onto a device that sums faster. When a call has
   * both a non-finite input and another fault, the other fault's error may be reported instead.
   */
  readonly sumsInputs?: boolean;
  compile?(spec: ResolvedSpec, weights: ReadonlyMap<string, Float32Array>): Promise<CompiledModel>;
  dispose?(): void | Promise<void>;
}

/** An attention backend, as users see it. */
export interface Backend {
  readonly name: string;
  readonly capabilities: Capabilities;
  readonly info: Readonly<Record<string, string | number | boolean>>;
  /**
   * Scaled dot-product attention.
   *
   * @example
   * ```ts
   * const { output } = await backend.attention(q, k, v, { causal: true });
   * ```
   */
  attention(q: Tensor, k: Tensor, v: Tensor, options?: AttentionOptions): Promise<AttentionResult>;
  /** Compiles a transformer encoder with its weights. */
  compile(spec: ModelSpec, weights: Weights): Promise<Model>;
  /** Frees the backend's resources; later calls throw `ERR_DISPOSED`. */
  dispose(): Promise<void>;
}

/** Result of a plugin's probe. */
export interface ProbeResult {
  readonly available: boolean;
  /** Why it is unavailable, or what was found (e.g. the adapter's name). */
  readonly reason?: string;
}

/** What a backend package exports. */
export interface BackendPlugin<O = unknown> {
  readonly name: string;
  /** Checks, cheaply and without throwing, whether the backend can run here. */
  probe(): Promise<ProbeResult>;
  create(options?: O): Promise<Backend>;
}

/**
 * Wraps backend kernels into a {@link Backend}: validation, capability checks, layout conversion,
 * `present`, dispose guards. Every backend package builds its backend with this.
 */
export function defineBackend(kernels: BackendKernels): Backend {
  let disposed = false;
  const models = new Set<CompiledModel>();
  const name = kernels.name;
  const guard = (): void => {
    if (disposed) throw new DisposedError(`backend "${name}"`);
  };
  const wrapFailure = (e: unknown): never => {
    if (e instanceof AttnkitError) throw e;
    throw new BackendError(name, e instanceof Error ? e.message : String(e), e);
  };
  return {
    name,
    capabilities: kernels.capabilities,
    info: kernels.info ?? {},
    async attention(q, k, v, options) {
      guard();
      const deferred = kernels.sumsInputs === true;
      const p = prepareAttention(q, k, v, options, { finiteInputs: !deferred });
      // With the scan deferred, the refusals below still report a non-finite input first, as without it.
      const checkInputs = (): void => {
        if (deferred) expectFiniteInputs(q, k, v, options);
      };
      const missing = missingFeatures(kernels.capabilities, requiredFeatures(p));
      if (missing.length > 0) {
        checkInputs();
        throw new UnsupportedError(`backend "${name}" does not support ${missing.map((m) => `${m.feature} (${m.reason})`).join(', ')}`);
      }
      const max = kernels.capabilities.maxKeyLength;
      if (max !== undefined && p.keyLength > max) {
        checkInputs();
        throw new UnsupportedError(`backend "${name}" accepts at most ${max} keys per call, got ${p.keyLength}`, 'k');
      }
      let out: AttentionOutput;
      try {
        out = await kernels.attention(p);
      } catch (e) {
        checkInputs();
        return wrapFailure(e);
      }
      if (deferred && !Number.isFinite(out.inputSum ?? Number.NaN)) checkInputs();
      return assembleResult(p, out);
    },
    async compile(spec, weights) {
      guard();
      const resolved = resolveSpec(spec);
      const w = validateWeights(resolved, weights);
      if (!kernels.compile || !kernels.capabilities.features.has('models')) {
        throw new UnsupportedError(`backend "${name}" does not compile models (${kernels.capabilities.reasons?.models ?? 'not implemented'})`);
      }
      let compiled: CompiledModel;
      try {
        compiled = await kernels.compile(resolved, w);
      } catch (e) {
        return wrapFailure(e);
      }
      models.add(compiled);
      let modelDisposed = false;
      return {
        spec: resolved,
        async run(input, runOptions) {
          guard();
          if (modelDisposed) throw new DisposedError('model');
          const req = prepareModelRun(resolved, input, runOptions);
          let r: ModelRunOutput;
          try {
            r = await compiled.run(req);
          } catch (e) {
            return wrapFailure(e);
          }
          const C = resolved.output.classes;
          const logitsShape = resolved.output.kind === 'pooled' ? [req.batch, C] : [req.batch, req.length, C];
          const attention = req.attentionOf.length > 0
            ? (r.attention ?? []).map((a) => ({ shape: [req.batch, resolved.heads, req.length, req.length], data: a }))
            : undefined;
          return attention ? { logits: { shape: logitsShape, data: r.logits }, attention } : { logits: { shape: logitsShape, data: r.logits } };
        },
        async dispose() {
          if (modelDisposed) return;
          modelDisposed = true;
          models.delete(compiled);
          await compiled.dispose?.();
        },
      };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      for (const m of models) await m.dispose?.();
      models.clear();
      await kernels.dispose?.();
    },
  };
}

function assembleResult(p: AttentionProblem, out: AttentionOutput): AttentionResult {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, valueDim: Dv, keyDim: Dk } = p;
  const output: Tensor = p.packed
    ? { shape: [B, Sq, Hq * Dv], data: pack(out.output, B, Hq, Sq, Dv) }
    : { shape: [B, Hq, Sq, Dv], data: out.output };
  const result: { output: Tensor; present?: { key: Tensor; value: Tensor }; weights?: Tensor } = { output };
  if (p.returnPresent) {
    const copyIfShared = (a: Float32Array, b: Float32Array): Float32Array => (a === b ? a.slice() : a);
    result.present = {
      key: { shape: [B, Hkv, T, Dk], data: copyIfShared(p.k, p.kvNew.key) },
      value: { shape: [B, Hkv, T, Dv], data: copyIfShared(p.v, p.kvNew.value) },
    };
  }
  if (p.weights !== 'none') {
    if (!out.weights) throw new BackendError('unknown', `weights "${p.weights}" were requested but not returned`);
    result.weights = { shape: [B, Hq, Sq, T], data: out.weights };
  }
  return result;
}
