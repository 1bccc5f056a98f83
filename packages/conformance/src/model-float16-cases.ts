/**
 * float16 model cases: models compiled with `dtype: 'float16'` from float16 weights (as `decodeSafetensors`
 * keeps them) and from float32 weights (narrowed by core), against the float64 reference run on the
 * float16-rounded weights, the very weights the model holds; a float32 model given float16 weights; and the
 * memory a float16 model's weights take.
 *
 * Tolerance: a float16 model computes in float32 (activations, accumulations, outputs) on weights that
 * are halves, and every half is exactly a float32 and a float64. The reference runs on those same values,
 * so what separates the two is float32 arithmetic alone, as for a float32 model: the float32 model
 * tolerance ({@link modelTolerance}) applies unchanged. The weights' rounding to float16 is no error here;
 * it is the model's definition. A backend that computed in float16 would be outside it, and must say so.
 */
import { initWeights, sizeOf, weightShapes, type Backend, type ModelSpec } from '@attnkit/core';
import type { ConformanceCase } from './case.js';
import { ConformanceFailure } from './compare.js';
import { MODEL_CASE_NAMES, modelCase, type ModelCaseWeights } from './model-cases.js';
import { tinyEncoderSpec } from './tiny-spec.js';

/** Which model cases also run in float16, and how their weights are given. */
const FLOAT16_MODELS: readonly (readonly [name: string, given: ModelCaseWeights['given']])[] = [
  ['sinusoidal-pre-gelu', 'float16'],
  ['learned-gqa-pooled', 'float32'],
  ['rope-causal', 'float16'],
  ['alibi-post-pooled', 'float32'],
  ['deep-4-layers', 'float16'],
  ['tokens-learned-mixed-relevance', 'float32'],
  ['graph-shared', 'float16'],
];

/** A spec large enough that its matrices, not its vectors, take the memory (with learned positions). */
const MEMORY_SPEC: ModelSpec = {
  ...tinyEncoderSpec({ inputSize: 32, dModel: 64, heads: 4, layers: 2, ffnSize: 256 }),
  positional: { kind: 'learned', maxLength: 64 },
};

/** The fractions of a float32 model's weight memory a float16 model's may take (`weight-bytes` case). */
export const FLOAT16_WEIGHT_BYTES_RATIO: {
  /** At least this: each weight takes 2 bytes of the 4 it took; below half only by a backend's size rounding. */
  readonly min: number;
  /** At most this: a backend may keep a model's O(d) vectors in float32. */
  readonly max: number;
} = { min: 0.45, max: 0.56 };

/** Every float16 model case, in a stable order. */
export function modelFloat16Cases(): ConformanceCase[] {
  const index = (name: string): number => {
    const n = MODEL_CASE_NAMES.indexOf(name);
    if (n < 0) throw new Error(`no model case ${name}`);
    return n;
  };
  const cases = FLOAT16_MODELS.map(([name, given]) =>
    modelCase(`models-float16/${name}${given === 'float32' ? '-narrowed' : ''}`, index(name), {
      given,
      dtype: 'float16',
    }),
  );
  // float16 weights in a float32 model: widened exactly.
  cases.push(
    modelCase('models-float16/widened-to-float32', index('sinusoidal-pre-gelu'), {
      given: 'float16',
      dtype: 'float32',
    }),
  );
  cases.push({
    id: 'models-float16/weight-bytes',
    group: 'models',
    needs: ['models', 'models:float16'],
    run: checkWeightBytes,
  });
  return cases;
}

/**
 * The same weights compiled in float32 and in float16: the backend counts what each holds
 * (`Model.weightBytes`), at least every weight at its width, and the float16 model about half.
 */
async function checkWeightBytes(backend: Backend): Promise<void> {
  const weights = initWeights(MEMORY_SPEC, { seed: 9 });
  let count = 0;
  for (const shape of weightShapes(MEMORY_SPEC).values()) count += sizeOf(shape);
  const bytes: Record<string, number> = {};
  for (const dtype of ['float32', 'float16'] as const) {
    const model = await backend.compile(MEMORY_SPEC, weights, { dtype });
    try {
      const held = model.weightBytes;
      if (held === undefined)
        throw new ConformanceFailure(
          `a ${dtype} model does not report weightBytes (backends that declare models:float16 count what their models hold)`,
        );
      const least = count * (dtype === 'float16' ? 2 : 4);
      if (held < least)
        throw new ConformanceFailure(
          `a ${dtype} model reports ${held} weight bytes, fewer than its ${count} weights take (${least})`,
        );
      bytes[dtype] = held;
    } finally {
      await model.dispose();
    }
  }
  const ratio = bytes.float16! / bytes.float32!;
  const { min, max } = FLOAT16_WEIGHT_BYTES_RATIO;
  if (!(ratio >= min && ratio <= max))
    throw new ConformanceFailure(
      `the float16 model's weights take ${bytes.float16} bytes, ${ratio.toFixed(3)} of the float32 model's ${bytes.float32}; expected ${min} to ${max}`,
    );
}
