/**
 * Attention calls on resident tensors and key/value caches: core's side.
 *
 * A call whose inputs include handles, that asks for a resident result, or that is given a cache takes
 * one of two roads:
 * - **on the device**: kernels that implement `residentAttention` receive the validated setup with each
 *   input as core's array or as the store's native, and may return their output as a native. Core takes
 *   this road for rank-4 float32 calls without a past or an attention map;
 * - **through arrays** otherwise: each handle becomes the store's view of it (or a copy where the store has
 *   none) and the call runs as any other; a resident result is then stored.
 *
 * Handles are finite by construction (uploads are scanned; attention outputs are convex combinations of
 * finite values), and each carries a bound on its magnitudes, so the range rule is applied without reading
 * them back; a call the bounds do not settle goes through arrays and is measured exactly.
 */
import type { AttentionOptions, AttentionResult } from './attention-options.js';
import { prepareSetup, type AttentionSetup } from './attention-problem.js';
import { describeMissing, exceededLimit, missingFeatures, requiredFeatures } from './capabilities.js';
import { AttnkitError, OptionError, UnsupportedError } from './errors.js';
import { tensorDtype, type AnyTensor } from './half-tensor.js';
import { maxAbs, settledBySquares, sumOfSquares } from './input-scan.js';
import { CacheStorage, isKVCache, type AppendSource, type KVCache } from './kv-cache.js';
import type { MemoryModel } from './limits.js';
import {
  inputShape,
  isResident,
  shapeOnly,
  type ResidentRegistry,
  type ResidentTensor,
  type Slot,
  type TensorInput,
} from './resident.js';
import type { Tensor } from './tensor.js';
import type { AbortSignalLike } from './abort.js';

/** An input of a call on the device: core's array, or a native of the kernels' store. */
export type KernelInput =
  | {
      /** An array input: the caller's own float32 data, scanned by core. Read it only; never write or keep it. */
      readonly array: Float32Array;
      /** Absent on an array input. */
      readonly native?: undefined;
    }
  | {
      /** A resident input: the native its `ResidentStore` made (a device buffer, say), finite by construction. */
      readonly native: unknown;
      /** Absent on a resident input. */
      readonly array?: undefined;
    };

/**
 * A validated call for `residentAttention`: the setup and its three inputs, rank-4 row-major `[B, H, S, D]`
 * (keys and values `[B, Hkv, T, D]`). With a cache, k and v are its storage, `T` its capacity, and
 * `validKeys` the entries it holds; the kernel reads rows `< validKeys[b]` only.
 */
export interface ResidentProblem extends AttentionSetup {
  /** Queries `[B, Hq, Sq, Dk]`. */
  readonly q: KernelInput;
  /** Keys `[B, Hkv, T, Dk]` (with a cache: its key storage, `T` its capacity). */
  readonly k: KernelInput;
  /** Values `[B, Hkv, T, Dv]` (with a cache: its value storage). */
  readonly v: KernelInput;
  /** Return the output as a native of the store (`{ native }`) instead of an array. */
  readonly keep: boolean;
}

/** What `residentAttention` returns: the output `[B, Hq, Sq, Dv]`, as an array or (when `keep`) a native the caller now owns. */
export type ResidentAttentionOutput =
  | {
      /** The output as a float32 array of the kernels' own, which core takes over (it is never theirs again). */
      readonly output: Float32Array;
    }
  | {
      /**
       * The output as a native of the store, which core adopts as a handle; when the call did not ask for a
       * resident result, core reads it back and disposes of it.
       */
      readonly native: unknown;
    };

/** What the resident road needs from `defineBackend`. @internal */
export interface ResidentRoad {
  readonly name: string;
  readonly registry: ResidentRegistry;
  readonly capabilities: import('./capabilities.js').Capabilities;
  readonly residentAttention?: (p: ResidentProblem) => Promise<ResidentAttentionOutput>;
  readonly backendMax: number | undefined;
  readonly memory: MemoryModel | undefined;
  /** The array road, with more arrays the result must not share memory with. */
  arrays(
    q: AnyTensor,
    k: AnyTensor,
    v: AnyTensor,
    options: AttentionOptions,
    signal: AbortSignalLike | undefined,
    also: readonly ArrayBufferView[],
  ): Promise<AttentionResult<AnyTensor>>;
  /** The array road's kernel call on a problem core built (cache calls). */
  kernel(
    p: import('./attention-problem.js').AttentionProblem,
    signal: AbortSignalLike | undefined,
  ): Promise<Float32Array>;
  track<T>(work: () => Promise<T>, signal?: AbortSignalLike, what?: string): Promise<T>;
  wrapFailure(e: unknown): never;
}

/** The options a call takes beyond {@link AttentionOptions}, split off before validation. */
export interface ResidentCallOptions {
  /**
   * A key/value cache from `createCache`: the call appends its k and v (`[B, Hkv, n, D]`) to it, and q attends
   * over all it holds, its queries being the last `n` positions. Not with `past`, `keyLengths`, `keyPadding`,
   * `mask`, `graph` or `returnPresent`.
   */
  readonly cache?: KVCache;
  /**
   * Return the result as handles ({@link ResidentTensor}) kept in the backend instead of arrays; default
   * `false`. They hold float32, so `outputDtype: 'float16'` is refused with it.
   */
  readonly resident?: boolean;
}

/** A result whose tensors are handles. */
type ResidentResult = AttentionResult<ResidentTensor>;

/** True when a call must take the resident road. */
export function isResidentCall(
  q: unknown,
  k: unknown,
  v: unknown,
  options: AttentionOptions & ResidentCallOptions,
): boolean {
  const past = options.past as { key?: unknown; value?: unknown } | undefined;
  return (
    options.cache !== undefined ||
    options.resident === true ||
    [q, k, v, past?.key, past?.value, options.mask].some(isResident)
  );
}

/** Runs a resident call (see the module comment). */
export async function residentAttention(
  road: ResidentRoad,
  q: TensorInput,
  k: TensorInput,
  v: TensorInput,
  options: AttentionOptions,
  extra: ResidentCallOptions,
  signal: AbortSignalLike | undefined,
): Promise<AttentionResult<AnyTensor> | ResidentResult> {
  const keep = expectBoolean(extra.resident, 'options.resident') ?? false;
  if (keep && options.outputDtype === 'float16')
    throw new AttnkitError(
      'ERR_DTYPE',
      "options.outputDtype: resident results hold float32; give outputDtype: 'float32' or leave resident out",
      'options.outputDtype',
    );
  // float16 inputs with a resident result: the result is stored as float32.
  if (keep) options = { ...options, outputDtype: 'float32' };
  if (isResident(options.mask))
    throw new AttnkitError('ERR_TYPE', 'options.mask: masks are given as arrays, not resident tensors', 'options.mask');
  if (extra.cache !== undefined) return cacheAttention(road, q, k, v, options, extra.cache, keep, signal);
  const past = options.past as { key: TensorInput; value: TensorInput } | undefined;
  const named: [TensorInput, string][] = [
    [q, 'q'],
    [k, 'k'],
    [v, 'v'],
  ];
  if (past) named.push([past.key, 'options.past.key'], [past.value, 'options.past.value']);
  const slots = new Map<TensorInput, Slot>();
  for (const [t, n] of named) if (isResident(t)) slots.set(t, road.registry.slotOf(t, n));
  const onDevice =
    road.residentAttention !== undefined &&
    past === undefined &&
    [q, k, v].every((t) => shapeOf(t)?.length === 4) &&
    // No keys at all: the array road's zeros.
    shapeOf(k)![2]! > 0 &&
    (options.attentionMap ?? 'none') === 'none' &&
    (options as Record<string, unknown>)['weights'] === undefined &&
    options.returnPresent !== true &&
    options.outputDtype !== 'float16' &&
    // Handles hold float32: a call mixing them with float16 arrays is refused by the array road's dtype check.
    [q, k, v].every((t, i) => isResident(t) || tensorDtype(t, ['q', 'k', 'v'][i]!) === 'float32');
  if (onDevice) {
    const { setup } = prepareSetup(q, k, v, options, { maxBytes: road.backendMax, memory: road.memory });
    expectCapable(road, setup);
    const inputs = [q, k, v].map((t, i) => deviceInput(t, ['q', 'k', 'v'][i]!, slots));
    const [bq, bk, bv] = inputs.map((x) => x.bound) as [number, number, number];
    if (settledBySquares(setup, { q: bq * bq, k: bk * bk, v: bv * bv }))
      return runOnDevice(road, setup, inputs[0]!.input, inputs[1]!.input, inputs[2]!.input, bv, keep, signal);
  }
  // Through arrays: each handle as the store's view of it (read only), or a copy.
  const also: ArrayBufferView[] = [];
  const asArrays = async (t: TensorInput): Promise<AnyTensor> => {
    const slot = slots.get(t);
    if (!slot) return t as AnyTensor;
    const data = await road.registry.arrayOf(slot);
    also.push(data);
    return { shape: slot.shape, data };
  };
  const args = await Promise.all([q, k, v].map(asArrays));
  const optionsIn: AttentionOptions = past
    ? { ...options, past: { key: (await asArrays(past.key)) as Tensor, value: (await asArrays(past.value)) as Tensor } }
    : options;
  const result = await road.arrays(args[0]!, args[1]!, args[2]!, optionsIn, signal, also);
  return keep ? storeResult(road.registry, result) : result;
}

/** Runs a call on the device and wraps its output. */
async function runOnDevice(
  road: ResidentRoad,
  setup: AttentionSetup,
  q: KernelInput,
  k: KernelInput,
  v: KernelInput,
  valueBound: number,
  keep: boolean,
  signal: AbortSignalLike | undefined,
): Promise<AttentionResult<AnyTensor> | ResidentResult> {
  const shape = [setup.batch, setup.qHeads, setup.qLength, setup.valueDim];
  let out: ResidentAttentionOutput;
  try {
    out = await road.track(() => road.residentAttention!({ ...setup, q, k, v, keep }), signal, 'attention');
  } catch (e) {
    return road.wrapFailure(e);
  }
  // The output is a convex combination of the values (or zero): bounded by their bound.
  if ('native' in out && out.native !== undefined) {
    const handle = road.registry.adopt(out.native, shape, valueBound);
    if (keep) return { output: handle };
    try {
      return { output: await handle.read() };
    } finally {
      handle.dispose();
    }
  }
  const data = (out as { output: Float32Array }).output;
  if (keep) return { output: road.registry.adoptArray(data, shape, maxAbs(data)) };
  return { output: { shape, data } };
}

/** An input for the device road, and the bound on its magnitudes; arrays are scanned here. */
function deviceInput(
  t: TensorInput,
  name: string,
  slots: ReadonlyMap<TensorInput, Slot>,
): { input: KernelInput; bound: number } {
  const slot = slots.get(t);
  if (slot) return { input: { native: slot.native }, bound: slot.maxAbs };
  const data = (t as Tensor).data;
  sumOfSquares(data, name);
  return { input: { array: data }, bound: maxAbs(data) };
}

function expectCapable(road: ResidentRoad, setup: AttentionSetup): void {
  const missing = missingFeatures(road.capabilities, requiredFeatures(setup));
  if (missing.length > 0)
    throw new UnsupportedError(`backend "${road.name}" does not support ${describeMissing(missing)}`);
  const over = exceededLimit(road.capabilities, setup);
  if (over) throw new UnsupportedError(`backend "${road.name}" ${over.message}`, over.argument);
}

/** Stores every tensor of an array-road result as a handle. */
function storeResult(registry: ResidentRegistry, r: AttentionResult<AnyTensor>): ResidentResult {
  const put = (t: AnyTensor): ResidentTensor => {
    const data = t.data as Float32Array;
    return registry.adoptArray(data, t.shape, maxAbs(data));
  };
  const out: {
    output: ResidentTensor;
    present?: { key: ResidentTensor; value: ResidentTensor };
    attentionMap?: ResidentTensor;
    weights?: ResidentTensor;
  } = { output: put(r.output) };
  if (r.present) out.present = { key: put(r.present.key), value: put(r.present.value) };
  if (r.attentionMap) {
    out.attentionMap = put(r.attentionMap);
    // oxlint-disable-next-line typescript/no-deprecated -- the former name of the same tensor, as on the array road
    out.weights = out.attentionMap;
  }
  return out;
}

/** Options a cache call cannot take: the cache supplies the past, the lengths and the alignment. */
const NOT_WITH_CACHE = ['past', 'keyLengths', 'keyPadding', 'mask', 'graph', 'returnPresent'] as const;

/**
 * A call given a cache: q `[B, Hq, n, Dk]`, this step's k `[B, Hkv, n, Dk]` and v `[B, Hkv, n, Dv]` (arrays or
 * handles). They are appended to the cache, and q attends over everything it holds, the queries being its
 * last `n` positions (the alignment of causal masks, windows and ALiBi, as with a past in ONNX).
 */
async function cacheAttention(
  road: ResidentRoad,
  q: TensorInput,
  k: TensorInput,
  v: TensorInput,
  options: AttentionOptions,
  cacheIn: KVCache,
  keep: boolean,
  signal: AbortSignalLike | undefined,
): Promise<AttentionResult<AnyTensor> | ResidentResult> {
  if (!isKVCache(cacheIn) || !(cacheIn instanceof CacheStorage))
    throw new AttnkitError(
      'ERR_TYPE',
      'options.cache: expected a cache made by backend.createCache()',
      'options.cache',
    );
  const cache = cacheIn;
  if (cache.owner !== road.registry)
    throw new AttnkitError(
      'ERR_WRONG_BACKEND',
      `options.cache: a cache of backend "${cache.backend}" cannot be used on backend "${road.name}"`,
      'options.cache',
    );
  cache.expectOpen();
  for (const key of NOT_WITH_CACHE)
    if (options[key] !== undefined)
      throw new OptionError(
        'ERR_OPTION',
        `options.${key}: cannot be combined with options.cache (the cache holds the past and its lengths)`,
        `options.${key}`,
      );
  if ((options.attentionMap ?? 'none') !== 'none' || (options as Record<string, unknown>)['weights'] !== undefined)
    throw new OptionError(
      'ERR_OPTION',
      'options.attentionMap: not available with options.cache',
      'options.attentionMap',
    );
  // One call at a time per cache, in the order they were made.
  const run = cache.tail.then(
    () => appendAndAttend(road, cache, q, k, v, options, keep, signal),
    () => appendAndAttend(road, cache, q, k, v, options, keep, signal),
  );
  cache.tail = run.catch(() => undefined);
  return run;
}

async function appendAndAttend(
  road: ResidentRoad,
  cache: CacheStorage,
  q: TensorInput,
  k: TensorInput,
  v: TensorInput,
  options: AttentionOptions,
  keep: boolean,
  signal: AbortSignalLike | undefined,
): Promise<AttentionResult<AnyTensor> | ResidentResult> {
  cache.expectOpen();
  const { batch: B, kvHeads: Hkv, keyDim: Dk, valueDim: Dv, capacity: C } = cache;
  const named = [
    [q, 'q'],
    [k, 'k'],
    [v, 'v'],
  ] as const;
  for (const [t, name] of named) {
    if (!isResident(t) && tensorDtype(t, name) !== 'float32')
      throw new AttnkitError('ERR_DTYPE', `${name}: caches hold float32; convert with toFloat32 first`, name);
    inputShape(t, name, [4]);
  }
  if (options.outputDtype === 'float16')
    throw new AttnkitError('ERR_DTYPE', 'options.outputDtype: calls with a cache give float32', 'options.outputDtype');
  const n = k.shape[2]!;
  const expect = (t: TensorInput, name: string, want: readonly number[]): void => {
    if (t.shape.length !== 4 || t.shape.some((d, i) => d !== want[i]))
      throw new AttnkitError(
        'ERR_SHAPE',
        `${name}: shape [${t.shape.join(', ')}] does not fit the cache: expected [${want.join(', ')}]`,
        name,
      );
  };
  expect(k, 'k', [B, Hkv, n, Dk]);
  expect(v, 'v', [B, Hkv, n, Dv]);
  if (q.shape[0] !== B || q.shape[2] !== n || q.shape[3] !== Dk)
    throw new AttnkitError(
      'ERR_SHAPE',
      `q: shape [${q.shape.join(', ')}] does not fit the cache and k: expected [${B}, Hq, ${n}, ${Dk}] (one query per new key)`,
      'q',
    );
  if (n < 1) throw new AttnkitError('ERR_SHAPE', 'k: a call with a cache appends at least one entry', 'k');
  const slots = new Map<TensorInput, Slot>();
  for (const [t, name] of named) if (isResident(t)) slots.set(t, road.registry.slotOf(t, name));
  // The farthest back a query looks: its window's left edge, or everything when neither causal nor a window limits it.
  const left = options.window ? options.window.left : Infinity;
  const plan = cache.plan(n, left);
  const validKeys = new Int32Array(B).fill(plan.total);
  // Validates q and every option against the cache's storage as keys [B, Hkv, C, D], without data.
  const storageShape = (D: number): ResidentTensor => shapeOnly([B, Hkv, C, D]);
  const { setup } = prepareSetup(
    q,
    storageShape(Dk),
    storageShape(Dv),
    { ...options, keyLengths: validKeys },
    {
      maxBytes: road.backendMax,
      memory: road.memory,
    },
  );
  expectCapable(road, setup);
  const inputs = [q, k, v].map((t, i) => deviceInput(t, ['q', 'k', 'v'][i]!, slots));
  const [bq, bk, bv] = inputs.map((x) => x.bound) as [number, number, number];
  const keyBound = Math.max(cache.keyBound, bk),
    valueBound = Math.max(cache.valueBound, bv);
  if (!settledBySquares(setup, { q: bq * bq, k: keyBound * keyBound, v: valueBound * valueBound }))
    throw new AttnkitError(
      'ERR_RANGE',
      `q, k: magnitudes up to ${Math.max(bq, keyBound).toExponential(3)} (Dk ${Dk}, scale ${setup.scale}) may give scores beyond float32's safe range (2^100); scale the inputs down`,
      bq >= keyBound ? 'q' : 'k',
    );
  const source = (x: KernelInput): AppendSource => (x.array ? { array: x.array } : { native: x.native });
  cache.apply(plan, n, source(inputs[1]!.input), source(inputs[2]!.input), { k: bk, v: bv });
  try {
    if (road.residentAttention) {
      return await runOnDevice(
        road,
        setup,
        inputs[0]!.input,
        { native: cache.keys },
        { native: cache.values },
        valueBound,
        keep,
        signal,
      );
    }
    const store = road.registry.store;
    const view = async (data: unknown, D: number): Promise<Float32Array> =>
      store.view ? store.view(data, B * Hkv * C * D) : store.read(data, 0, B * Hkv * C * D);
    const qArray = inputs[0]!.input.array ?? (await road.registry.arrayOf(slots.get(q)!));
    const problem = { ...setup, q: qArray, k: await view(cache.keys, Dk), v: await view(cache.values, Dv) };
    const output = await road.kernel(problem, signal);
    const shape = [B, setup.qHeads, n, Dv];
    if (keep) return { output: road.registry.adoptArray(output, shape, maxAbs(output)) };
    return { output: { shape, data: output } };
  } catch (e) {
    cache.rollback(plan, n);
    throw e;
  }
}

/** The shape of something that may not be a tensor at all (validation reports what it is). */
function shapeOf(t: unknown): readonly number[] | undefined {
  const shape = t !== null && typeof t === 'object' ? (t as { shape?: unknown }).shape : undefined;
  return Array.isArray(shape) ? (shape as number[]) : undefined;
}

function expectBoolean(x: unknown, name: string): boolean | undefined {
  if (x === undefined || typeof x === 'boolean') return x;
  throw new AttnkitError('ERR_TYPE', `${name}: expected a boolean, got ${typeof x}`, name);
}
