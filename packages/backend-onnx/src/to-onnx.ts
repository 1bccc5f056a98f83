/**
 * Export of an encoder as a standalone `.onnx` file.
 */
import { resolveSpec, validateWeights, type CompileOptions, type ModelSpec, type Weights } from '@attnkit/core';
import { encoderGraph } from './encoder-graph.js';

/**
 * Serialises the encoder of `spec` with its `weights` as an ONNX model (opset 24): the graph that
 * `compile` runs, loadable by any ONNX tool. Inputs: `input` `[B, S, F]` float32 and `lengths` `[B]`
 * int64 (valid length per sequence); output: `logits` `[B, S, C]` (zeros at padded positions) or `[B, C]`
 * for a pooled head. The spec and weights are validated as `compile` validates them.
 *
 * With `options.dtype: 'float16'` the weights are float16 initializers (half the file), cast to float32
 * where they are used; linear weights are stored transposed (`<name>.transposed`, `[in, out]`) and q|k|v
 * fused per layer. ONNX Runtime's constant folding would widen them back into float32 copies in memory:
 * run such a file with the session config entry `optimization.disable_specified_optimizers` set to
 * `ConstantFolding;FuseFp16InitializerToFp32NodeTransformer` to keep them float16.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('encoder.onnx', toOnnx(spec, weights));
 * ```
 */
export function toOnnx(spec: ModelSpec, weights: Weights, options: CompileOptions = {}): Uint8Array {
  const dtype = options?.dtype ?? 'float32';
  const resolved = resolveSpec(spec, { dtype });
  return encoderGraph(resolved, validateWeights(resolved, weights, dtype));
}
