import type { ModelSpec } from '@attnkit/core';

/**
 * The smallest useful transformer-encoder spec (3 inputs, d_model 8, 2 heads, 1 layer, FFN 8, 2 classes per
 * position), with `overrides` on top: for cases and tests about lifecycle and validation, where only the
 * model's existence matters, not its size.
 *
 * @example
 * ```ts
 * const spec = resolveSpec(tinyEncoderSpec({ output: { kind: 'per-position', classes: 3 } }));
 * ```
 */
export function tinyEncoderSpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    type: 'transformer-encoder',
    inputSize: 3,
    dModel: 8,
    heads: 2,
    layers: 1,
    ffnSize: 8,
    output: { kind: 'per-position', classes: 2 },
    ...overrides,
  };
}
