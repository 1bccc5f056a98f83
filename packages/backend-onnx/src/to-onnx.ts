/**
 * Export of an encoder as a standalone `.onnx` file.
 */
import { resolveSpec, validateWeights, type ModelSpec, type Weights } from '@attnkit/core';
import { encoderGraph } from './encoder-graph.js';

/**
 * Serialises the encoder of `spec` with its `weights` as an ONNX model (opset 24): the graph that
 * `compile` runs, loadable by any ONNX tool. Inputs: `input` `[B, S, F]` float32 and `lengths` `[B]`
 * int64 (valid length per sequence); output: `logits` `[B, S, C]` (zeros at padded positions) or `[B, C]`
 * for a pooled head. The spec and weights are validated as `compile` validates them.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('encoder.onnx', toOnnx(spec, weights));
 * ```
 */
export function toOnnx(spec: ModelSpec, weights: Weights): Uint8Array {
  const resolved = resolveSpec(spec);
  return encoderGraph(resolved, validateWeights(resolved, weights));
}
