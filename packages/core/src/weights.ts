/**
 * Named float32 weights for a {@link ModelSpec}: validation and seeded initialisation.
 */
import { ModelError, fmtShape } from './errors.js';
import { resolveSpec, weightShapes, type ModelSpec, type ResolvedSpec } from './model-spec.js';
import { seededRandom } from './random.js';
import { sizeOf, type Tensor } from './tensor.js';

/** Named weights: a `Map` or a plain record of tensors. */
export type Weights = ReadonlyMap<string, Tensor> | Readonly<Record<string, Tensor>>;

/** Weights as a map, whichever form they came in. */
export function weightsMap(weights: Weights): ReadonlyMap<string, Tensor> {
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

/**
 * Checks that `weights` holds exactly the tensors `spec` needs, with the right shapes and finite values,
 * and returns a copy of each (a compiled model never shares memory with the caller's weights).
 * Throws a {@link ModelError} (`ERR_WEIGHTS`) naming the first weight that is missing, extra or mis-shaped.
 */
export function validateWeights(spec: ModelSpec | ResolvedSpec, weights: Weights): ReadonlyMap<string, Float32Array> {
  const r = 'headDim' in spec ? spec : resolveSpec(spec);
  const shapes = weightShapes(r);
  const given = weightsMap(weights);
  const out = new Map<string, Float32Array>();
  for (const [name, shape] of shapes) {
    const t = given.get(name);
    if (!t)
      throw new ModelError('ERR_WEIGHTS', `weights: "${name}" is missing; expected shape ${fmtShape(shape)}`, name);
    if (!(t.data instanceof Float32Array))
      throw new ModelError('ERR_WEIGHTS', `weights: "${name}" must hold a Float32Array`, name);
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
    for (let i = 0; i < t.data.length; i++) {
      const x = t.data[i]!;
      if (x - x !== 0)
        throw new ModelError('ERR_WEIGHTS', `weights: "${name}" element ${i} is ${x}; expected finite numbers`, name);
    }
    out.set(name, t.data.slice());
  }
  for (const name of given.keys()) {
    if (!shapes.has(name))
      throw new ModelError(
        'ERR_WEIGHTS',
        `weights: "${name}" is not a weight of this spec (unexpected extra weight)`,
        name,
      );
  }
  return out;
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
