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
import { expectFinite, type Tensor } from './tensor.js';
import { inputShape, isResident, type ResidentTensor } from './resident.js';
import { prepareRunGraph, readTokens, type RunGraph, type RunGraphOption, type TokenTensor } from './run-input.js';

/** Options of `Model.run`. */
export interface ModelRunOptions {
  /** Valid length of each sequence, `1..S` (default `S`); positions beyond it are padding. */
  readonly lengths?: Int32Array | readonly number[];
  /** Layers (0-based) whose attention probabilities `[B, H, S, S]` to return. */
  readonly attentionOf?: readonly number[];
  /** The most this run may allocate, in bytes (overrides the backend's `maxBytes`). */
  readonly maxBytes?: number;
  /**
   * Graph attention in every layer: position `i` attends only to the positions `j` of its edges `(i, j)`
   * (pairs of node indices `0..S-1`). One graph for every sequence, or one per sequence (an array of `B`).
   */
  readonly graph?: RunGraphOption;
}

const KNOWN_RUN_OPTIONS = new Set(['lengths', 'attentionOf', 'maxBytes', 'graph']);

/** Limits that apply to a run (see `limits.ts`). */
export interface ModelRunLimits {
  readonly maxBytes?: number | undefined;
  readonly memory?: MemoryModel | undefined;
}

/** A validated model run, as backends receive it. */
export interface ModelRunRequest {
  /**
   * `[B, S, F]` row-major; with token input `[B, S]` ids (as float32, exact; padded positions hold 0).
   * Empty when the input is given as {@link ModelRunRequest.native}.
   */
  readonly input: Float32Array;
  /**
   * A resident input as the native of the kernels' store (`[B, S, F]`, finite), for compiled models that
   * declare `nativeInput`; `input` is then empty.
   */
  readonly native?: unknown;
  /** Token input: the ids `[B, S]` (padded positions hold 0); `undefined` for feature input. */
  readonly tokens?: Int32Array;
  /** The run's graph, validated; `undefined` without one. */
  readonly graph?: RunGraph;
  /** Batch size `B`: sequences in the run. */
  readonly batch: number;
  /** `S`: positions per sequence (the input's second dimension, padding included). */
  readonly length: number;
  /** Always present: `S` for unpadded sequences. */
  readonly lengths: Int32Array;
  /** True when some sequence is shorter than `S`. */
  readonly padded: boolean;
  /** Layers (0-based, checked to be in `0..layers-1`) whose attention probabilities `[B, H, S, S]` to return. */
  readonly attentionOf: readonly number[];
}

/** Validates `Model.run` arguments. */
export function prepareModelRun(
  spec: ResolvedSpec,
  input: Tensor | TokenTensor | ResidentTensor,
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
  const tokens = spec.input.kind === 'tokens';
  const shape = tokens ? expectTokenShape(input) : inputShape(input, 'input', [3]);
  const [B, S, F] = (tokens ? [shape[0], shape[1], 1] : shape) as [number, number, number];
  if (!tokens && F !== spec.inputSize)
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
  const graphBytes = options.graph === undefined ? 0 : B * S * S;
  expectWithinLimit(
    'Model.run',
    [
      ...runAllocations(spec, B, S, attentionOf.length, limits.memory),
      ...(graphBytes > 0
        ? [{ what: `graph mask [${B},1,${S},${S}]`, argument: 'options.graph', bytes: graphBytes }]
        : []),
    ],
    limit,
  );
  // Resident tensors are finite by construction.
  if (!tokens && !isResident(input)) expectFinite(input.data as Float32Array, 'input');
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
  const graph = options.graph === undefined ? undefined : prepareRunGraph(options.graph, B, S);
  const base = { batch: B, length: S, lengths, padded, attentionOf: [...attentionOf], ...(graph ? { graph } : {}) };
  if (isResident(input)) return { input: new Float32Array(0), ...base };
  if (!tokens) return { input: input.data as Float32Array, ...base };
  const ids = readTokens(input.data, B, S, lengths, (spec.input as { vocabSize: number }).vocabSize);
  return { input: Float32Array.from(ids), tokens: ids, ...base };
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
  // Layers run one after another: the largest layer's working memory counts, an additive one if any.
  const additive = spec.attention.some((a) => a.relevance === 'additive');
  const dims = layerAttentionDims(spec, B, S, maps > 0 ? 'probs' : 'none');
  const scratch = memory?.scratchBytes?.(additive ? { ...dims, additiveRelevance: true } : dims) ?? 0;
  if (scratch > 0) parts.push({ what: "the backend's attention working memory", argument: 'input', bytes: scratch });
  return parts;
}

function expectTokenShape(input: unknown): readonly number[] {
  if (input === null || typeof input !== 'object' || !Array.isArray((input as { shape?: unknown }).shape)) {
    throw new AttnkitError('ERR_TYPE', 'input: expected token ids { shape: [B, S], data: Int32Array }', 'input');
  }
  const t = input as { shape: number[]; data?: unknown };
  if (!(t.data instanceof Int32Array) && !(t.data instanceof Float32Array)) {
    throw new AttnkitError(
      'ERR_TYPE',
      'input.data: token ids need an Int32Array (or a Float32Array of integers)',
      'input',
    );
  }
  if (t.shape.length !== 2 || t.shape.some((d) => !Number.isInteger(d) || d < 0))
    throw new ShapeError('ERR_RANK', `input: token ids need shape [B, S], got ${fmtShape(t.shape)}`, 'input');
  if (t.data.length !== t.shape[0]! * t.shape[1]!)
    throw new ShapeError(
      'ERR_SHAPE',
      `input: data has ${t.data.length} ids but shape ${fmtShape(t.shape)} needs ${t.shape[0]! * t.shape[1]!}`,
      'input',
    );
  return t.shape;
}
