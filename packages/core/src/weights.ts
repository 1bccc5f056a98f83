/**
 * Named weights for a {@link ModelSpec}: validation, conversion to the dtype a model holds, and seeded
 * initialisation.
 *
 * A model holds its weights in one dtype, chosen at compile (`float32` by default). Weights given in the
 * other dtype are converted by core, into its own copies: float16 to float32 exactly; float32 to float16
 * rounded to nearest, ties to even, with values beyond ±65504 (the largest half) refused (`ERR_RANGE`)
 * rather than becoming ±Infinity.
 */
import { ModelError, OptionError, fmtShape } from './errors.js';
import { halfBits, tensorDtype, type DType, type HalfTensor } from './half-tensor.js';
import { float16Bits, float32FromHalf } from './half.js';
import { resolveSpec, weightShapes, type ModelSpec, type ResolvedSpec } from './model-spec.js';
import { seededRandom } from './random.js';
import { sizeOf, type Tensor } from './tensor.js';

/** Named weights: a `Map` or a plain record of float32 or float16 tensors (the two may be mixed). */
export type Weights = ReadonlyMap<string, Tensor | HalfTensor> | Readonly<Record<string, Tensor | HalfTensor>>;

/** Core's validated float32 copies of a model's weights, by name. */
export interface FloatModelWeights extends ReadonlyMap<string, Float32Array> {
  /** Every array is float32. */
  readonly dtype: 'float32';
}

/** Core's validated float16 copies of a model's weights (IEEE half bits), by name. */
export interface HalfModelWeights extends ReadonlyMap<string, Uint16Array> {
  /** Every array holds IEEE 754 half bits. */
  readonly dtype: 'float16';
}

/**
 * A model's weights as a backend's `compile` receives them: core's own copies, every one in the dtype
 * the model holds (`weights.dtype`), so the kernel may keep them without copying.
 */
export type ModelWeights = FloatModelWeights | HalfModelWeights;

/** The largest finite half. */
const HALF_MAX = 65504;

/** Weights as a map, whichever form they came in. */
export function weightsMap(weights: Weights): ReadonlyMap<string, Tensor | HalfTensor> {
  if (weights instanceof Map) return weights;
  if (weights === null || typeof weights !== 'object') {
    throw new ModelError(
      'ERR_WEIGHTS',
      `weights: expected a Map or a record of tensors, got ${weights === null ? 'null' : typeof weights}`,
      'weights',
    );
  }
  return new Map(Object.entries(weights));
}

/** The dtype of weight `name`'s data, checked (a Float32Array, or half bits marked as such). */
function weightDtype(t: unknown, name: string): DType {
  try {
    const dtype = tensorDtype(t, name);
    const data = (t as { data?: unknown }).data;
    if (dtype === 'float32' && !(data instanceof Float32Array)) throw new Error('not float32');
    return dtype;
  } catch {
    throw new ModelError(
      'ERR_WEIGHTS',
      `weights: "${name}" must hold a Float32Array, or float16 bits (a Uint16Array with dtype: 'float16', or a Float16Array)`,
      name,
    );
  }
}

/**
 * Checks that `weights` holds exactly the tensors `spec` needs, with the right shapes and finite values,
 * and returns a copy of each in `dtype` (default `float32`): a compiled model never shares memory with the
 * caller's weights. Throws a {@link ModelError}: `ERR_WEIGHTS` naming the first weight that is missing,
 * extra, mis-shaped or not finite, or `ERR_RANGE` for a float32 value beyond ±65504 when narrowing to
 * float16. The sizes come from the spec, whose weights `resolveSpec` checked against the memory limit.
 *
 * @example
 * ```ts
 * const halves = validateWeights(spec, initWeights(spec), 'float16'); // HalfModelWeights
 * ```
 */
export function validateWeights(spec: ModelSpec | ResolvedSpec, weights: Weights, dtype?: 'float32'): FloatModelWeights;
export function validateWeights(spec: ModelSpec | ResolvedSpec, weights: Weights, dtype: 'float16'): HalfModelWeights;
export function validateWeights(spec: ModelSpec | ResolvedSpec, weights: Weights, dtype: DType): ModelWeights;
export function validateWeights(
  spec: ModelSpec | ResolvedSpec,
  weights: Weights,
  dtype: DType = 'float32',
): ModelWeights {
  if (dtype !== 'float32' && dtype !== 'float16')
    throw new OptionError(
      'ERR_OPTION',
      `dtype: expected 'float32' or 'float16', got ${typeof dtype === 'string' ? JSON.stringify(dtype) : typeof dtype}`,
      'dtype',
    );
  const r = 'headDim' in spec ? spec : resolveSpec(spec);
  const shapes = weightShapes(r);
  const given = weightsMap(weights);
  const out = new Map<string, Float32Array | Uint16Array>();
  for (const [name, shape] of shapes) {
    const t = given.get(name);
    if (!t)
      throw new ModelError('ERR_WEIGHTS', `weights: "${name}" is missing; expected shape ${fmtShape(shape)}`, name);
    const from = weightDtype(t, name);
    if (!Array.isArray(t.shape) || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ModelError(
        'ERR_WEIGHTS',
        `weights: "${name}" has shape ${Array.isArray(t.shape) ? fmtShape(t.shape) : String(t.shape)}, expected ${fmtShape(shape)}`,
        name,
      );
    }
    if (t.data.length !== sizeOf(shape))
      throw new ModelError(
        'ERR_WEIGHTS',
        `weights: "${name}" has ${t.data.length} values, expected ${sizeOf(shape)}`,
        name,
      );
    if (from === 'float16') {
      const bits = halfBits(t.data);
      expectFiniteHalves(bits, name);
      out.set(name, dtype === 'float16' ? bits.slice() : float32FromHalf(bits));
    } else {
      const data = t.data as Float32Array;
      expectFiniteFloats(data, name);
      if (dtype === 'float16') expectHalfRange(data, name);
      out.set(name, dtype === 'float16' ? float16Bits(data) : data.slice());
    }
  }
  for (const name of given.keys()) {
    if (!shapes.has(name))
      throw new ModelError(
        'ERR_WEIGHTS',
        `weights: "${name}" is not a weight of this spec (unexpected extra weight)`,
        name,
      );
  }
  return Object.assign(out, { dtype }) as unknown as ModelWeights;
}

/**
 * Float32 weights for a kernel that computes on float32 arrays: `weights` itself when they are float32,
 * else exact float32 copies of the halves.
 *
 * @example
 * ```ts
 * compile: (spec, weights) => compileModel(spec, widenWeights(weights)),
 * ```
 */
export function widenWeights(weights: ModelWeights): FloatModelWeights {
  if (weights.dtype === 'float32') return weights;
  const out = new Map<string, Float32Array>();
  for (const [name, bits] of weights) out.set(name, float32FromHalf(bits));
  return Object.assign(out, { dtype: 'float32' as const });
}

function expectFiniteFloats(data: Float32Array, name: string): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x - x !== 0)
      throw new ModelError('ERR_WEIGHTS', `weights: "${name}" element ${i} is ${x}; expected finite numbers`, name);
  }
}

function expectFiniteHalves(bits: Uint16Array, name: string): void {
  for (let i = 0; i < bits.length; i++) {
    // Exponent all ones: ±Infinity or NaN.
    if ((bits[i]! & 0x7c00) === 0x7c00) {
      const x = bits[i]! & 0x3ff ? NaN : bits[i]! & 0x8000 ? -Infinity : Infinity;
      throw new ModelError('ERR_WEIGHTS', `weights: "${name}" element ${i} is ${x}; expected finite numbers`, name);
    }
  }
}

function expectHalfRange(data: Float32Array, name: string): void {
  for (let i = 0; i < data.length; i++) {
    const x = data[i]!;
    if (x > HALF_MAX || x < -HALF_MAX)
      throw new ModelError(
        'ERR_RANGE',
        `weights: "${name}" element ${i} is ${x}, beyond float16's range (±${HALF_MAX}); compile with dtype 'float32', or scale the weights down`,
        name,
      );
  }
}

/**
 * Seeded initial weights for a spec: linear weights uniform in `±1/sqrt(fan_in)`, biases zero, layer-norm
 * gains one, learned positions `N(0, 0.02²)`. With `randomAll`, biases and norms are random too (for tests).
 *
 * @example
 * ```ts
 * const weights = initWeights(spec, { seed: 1 });
 * const model = await backend.compile(spec, weights);
 * ```
 */
export function initWeights(
  spec: ModelSpec | ResolvedSpec,
  options: {
    /** Seed of the generator (default 0): the same seed and spec give the same weights. */
    seed?: number;
    /** Make biases and layer norms random too, not zeros and ones (default `false`; for tests). */
    randomAll?: boolean;
  } = {},
): Map<string, Tensor> {
  const rng = seededRandom(options.seed ?? 0);
  const out = new Map<string, Tensor>();
  for (const [name, shape] of weightShapes(spec)) {
    const data = new Float32Array(sizeOf(shape));
    if (name.endsWith('.weight') && shape.length === 2) {
      const bound = 1 / Math.sqrt(shape[1]!);
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-bound, bound);
    } else if (name === 'embedding.table') {
      // Unit-variance rows, as is usual for token embeddings.
      for (let i = 0; i < data.length; i++) data[i] = rng.normal();
    } else if (name === 'positional.table') {
      for (let i = 0; i < data.length; i++) data[i] = 0.02 * rng.normal();
    } else if (/norm\d?\.weight$/.test(name)) {
      for (let i = 0; i < data.length; i++) data[i] = options.randomAll ? rng.uniform(0.5, 1.5) : 1;
    } else if (options.randomAll) {
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-0.5, 0.5);
    }
    out.set(name, { shape: [...shape], data });
  }
  return out;
}
