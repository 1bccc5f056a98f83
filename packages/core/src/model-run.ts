/**
 * Validation of one model run.
 *
 * Shape legend: B batch, S sequence length, F input features.
 */
import { AttnkitError, ShapeError, fmtShape } from './errors.js';
import { effectiveLimit, expectMaxBytes, expectWithinLimit, type Allocation, type MemoryModel } from './limits.js';
import { layerAttentionDims } from './layer-attention.js';
import type { ResolvedSpec } from './model-spec.js';
import { expectKnownOptions } from './option-keys.js';
import { expectFinite, expectTensor, type Tensor } from './tensor.js';

/** Options of `Model.run`. */
export interface ModelRunOptions {
  /** Valid length of each sequence, `1..S` (default `S`); positions beyond it are padding. */
  readonly lengths?: Int32Array | readonly number[];
  /** Layers (0-based) whose attention probabilities `[B, H, S, S]` to return. */
  readonly attentionOf?: readonly number[];
  /** The most this run may allocate, in bytes (overrides the backend's `maxBytes`). */
  readonly maxBytes?: number;
}

const KNOWN_RUN_OPTIONS = new Set(['lengths', 'attentionOf', 'maxBytes']);

/** Limits that apply to a run (see `limits.ts`). */
export interface ModelRunLimits {
  readonly maxBytes?: number | undefined;
  readonly memory?: MemoryModel | undefined;
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
export function prepareModelRun(
  spec: ResolvedSpec,
  input: Tensor,
  options: ModelRunOptions = {},
  limits: ModelRunLimits = {},
): ModelRunRequest {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new AttnkitError(
      'ERR_TYPE',
      `options: expected an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`,
      'options',
    );
  }
  expectKnownOptions(options, KNOWN_RUN_OPTIONS, 'Model.run');
  const shape = expectTensor(input, 'input', [3]);
  const [B, S, F] = shape as [number, number, number];
  if (F !== spec.inputSize)
    throw new ShapeError(
      'ERR_SHAPE',
      `input: shape ${fmtShape(shape)} has ${F} features, the spec expects inputSize ${spec.inputSize}`,
      'input',
    );
  if (B < 1 || S < 1)
    throw new ShapeError('ERR_SHAPE', `input: shape ${fmtShape(shape)} needs batch and length >= 1`, 'input');
  if (spec.positional.kind === 'learned' && S > spec.positional.maxLength) {
    throw new ShapeError(
      'ERR_SHAPE',
      `input: length ${S} exceeds the learned positional table (maxLength ${spec.positional.maxLength})`,
      'input',
    );
  }
  const attentionOf = options.attentionOf ?? [];
  if (!Array.isArray(attentionOf))
    throw new AttnkitError(
      'ERR_TYPE',
      'options.attentionOf: expected an array of layer indices',
      'options.attentionOf',
    );
  const limit = effectiveLimit(
    expectMaxBytes(options.maxBytes, 'options.maxBytes'),
    limits.maxBytes,
    limits.memory?.maxBytes,
  );
  expectWithinLimit('Model.run', runAllocations(spec, B, S, attentionOf.length, limits.memory), limit);
  expectFinite(input.data, 'input');
  const lengths = new Int32Array(B).fill(S);
  let padded = false;
  if (options.lengths !== undefined) {
    const l = options.lengths;
    if (!(l instanceof Int32Array) && !Array.isArray(l))
      throw new AttnkitError(
        'ERR_TYPE',
        'options.lengths: expected an Int32Array or an array of integers',
        'options.lengths',
      );
    if (l.length !== B)
      throw new ShapeError(
        'ERR_SHAPE',
        `options.lengths: has ${l.length} entries, expected one per batch (${B})`,
        'options.lengths',
      );
    for (let b = 0; b < B; b++) {
      const n = l[b]!;
      if (!Number.isInteger(n) || n < 1 || n > S)
        throw new AttnkitError('ERR_RANGE', `options.lengths[${b}]: ${n} is outside 1..${S}`, 'options.lengths');
      lengths[b] = n;
      if (n < S) padded = true;
    }
  }
  for (const l of attentionOf) {
    if (!Number.isInteger(l) || l < 0 || l >= spec.layers)
      throw new AttnkitError(
        'ERR_RANGE',
        `options.attentionOf: layer ${l} is outside 0..${spec.layers - 1}`,
        'options.attentionOf',
      );
  }
  return { input: input.data, batch: B, length: S, lengths, padded, attentionOf: [...attentionOf] };
}

/** What one run allocates: activations, logits, the attention maps asked for, and the backend's attention scratch. */
function runAllocations(
  spec: ResolvedSpec,
  B: number,
  S: number,
  maps: number,
  memory: MemoryModel | undefined,
): Allocation[] {
  const f32 = 4;
  const { dModel: d, ffnSize: ffn, heads: H, inputSize: F } = spec;
  const C = spec.output.classes;
  const parts: Allocation[] = [
    { what: `activations [${B},${S},·]`, argument: 'input', bytes: B * S * (F + 6 * d + 2 * ffn + C) * f32 },
  ];
  if (maps > 0)
    parts.push({
      what: `${maps} attention maps [${B},${H},${S},${S}]`,
      argument: 'options.attentionOf',
      bytes: maps * B * H * S * S * f32,
    });
  const scratch = memory?.scratchBytes?.(layerAttentionDims(spec, B, S, maps > 0 ? 'probs' : 'none')) ?? 0;
  if (scratch > 0) parts.push({ what: "the backend's attention working memory", argument: 'input', bytes: scratch });
  return parts;
}
