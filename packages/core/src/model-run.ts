/**
 * Validation of one model run.
 *
 * Shape legend: B batch, S sequence length, F input features.
 */
import { AttnkitError, ShapeError, fmtShape } from './errors.js';
import type { ResolvedSpec } from './model-spec.js';
import { expectFinite, expectTensor, type Tensor } from './tensor.js';

/** Options of `Model.run`. */
export interface ModelRunOptions {
  /** Valid length of each sequence, `1..S` (default `S`); positions beyond it are padding. */
  readonly lengths?: Int32Array | readonly number[];
  /** Layers (0-based) whose attention probabilities `[B, H, S, S]` to return. */
  readonly attentionOf?: readonly number[];
}

/** A validated model run, as backends receive it. */
export interface ModelRunRequest {
  /** `[B, S, F]` row-major. */
  readonly input: Float32Array;
  readonly batch: number;
  readonly length: number;
  /** Always present: `S` for unpadded sequences. */
  readonly lengths: Int32Array;
  /** True when some sequence is shorter than `S`. */
  readonly padded: boolean;
  readonly attentionOf: readonly number[];
}

/** Validates `Model.run` arguments. */
export function prepareModelRun(spec: ResolvedSpec, input: Tensor, options: ModelRunOptions = {}): ModelRunRequest {
  const shape = expectTensor(input, 'input', [3]);
  const [B, S, F] = shape as [number, number, number];
  if (F !== spec.inputSize) throw new ShapeError('ERR_SHAPE', `input: shape ${fmtShape(shape)} has ${F} features, the spec expects inputSize ${spec.inputSize}`, 'input');
  if (B < 1 || S < 1) throw new ShapeError('ERR_SHAPE', `input: shape ${fmtShape(shape)} needs batch and length >= 1`, 'input');
  if (spec.positional.kind === 'learned' && S > spec.positional.maxLength) {
    throw new ShapeError('ERR_SHAPE', `input: length ${S} exceeds the learned positional table (maxLength ${spec.positional.maxLength})`, 'input');
  }
  expectFinite(input.data, 'input');
  const lengths = new Int32Array(B).fill(S);
  let padded = false;
  if (options.lengths !== undefined) {
    const l = options.lengths;
    if (!(l instanceof Int32Array) && !Array.isArray(l)) throw new AttnkitError('ERR_TYPE', 'options.lengths: expected an Int32Array or an array of integers', 'options.lengths');
    if (l.length !== B) throw new ShapeError('ERR_SHAPE', `options.lengths: has ${l.length} entries, expected one per batch (${B})`, 'options.lengths');
    for (let b = 0; b < B; b++) {
      const n = l[b]!;
      if (!Number.isInteger(n) || n < 1 || n > S) throw new AttnkitError('ERR_RANGE', `options.lengths[${b}]: ${n} is outside 1..${S}`, 'options.lengths');
      lengths[b] = n;
      if (n < S) padded = true;
    }
  }
  const attentionOf = options.attentionOf ?? [];
  if (!Array.isArray(attentionOf)) throw new AttnkitError('ERR_TYPE', 'options.attentionOf: expected an array of layer indices', 'options.attentionOf');
  for (const l of attentionOf) {
    if (!Number.isInteger(l) || l < 0 || l >= spec.layers) throw new AttnkitError('ERR_RANGE', `options.attentionOf: layer ${l} is outside 0..${spec.layers - 1}`, 'options.attentionOf');
  }
  return { input: input.data, batch: B, length: S, lengths, padded, attentionOf: [...attentionOf] };
}
