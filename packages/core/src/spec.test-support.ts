import type { ModelSpec } from './model-spec.js';

/** The smallest encoder spec core's tests use (2 inputs, d_model 4, 1 head, 1 layer, FFN 4, 2 classes), with overrides. */
export function tinySpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    type: 'transformer-encoder',
    inputSize: 2,
    dModel: 4,
    heads: 1,
    layers: 1,
    ffnSize: 4,
    output: { kind: 'per-position', classes: 2 },
    ...overrides,
  };
}
