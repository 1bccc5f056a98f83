/**
 * The transformer-encoder model spec: plain JSON that every backend compiles the same way.
 *
 * Shape legend: B batch, S sequence length (frames, tokens, nodes), F input features (`inputSize`),
 * d `dModel`, H query heads, Hkv key/value heads, Dh = d / H head size, C output classes.
 *
 * Forward pass (the semantics every backend implements; the float64 reference in @attnkit/conformance is
 * its executable form):
 * 1. `h = x·Wᵢₙᵀ + bᵢₙ`, `[B, S, d]` (with token input, `h[b, s] = E[id[b, s]]`, a row of the embedding
 *    table `embedding.table` `[V, d]`); plus the positional table for `sinusoidal` / `learned`.
 * 2. Per layer, with `MHA(x)`: `q = x·W_qᵀ + b_q` (and k, v with Hkv heads), RoPE on q and k if chosen,
 *    attention with the layer's causal/window and relevance (dot product with scale `1/sqrt(Dh)`, or additive with
 *    `layers.L.attention.additive.weight` `[H, Dh]`), the run's graph, the batch's valid lengths as key lengths and ALiBi slopes
 *    `2^(-8(h+1)/H)` if chosen, then `·W_oᵀ + b_o`; `FFN(x) = act(x·W₁ᵀ + b₁)·W₂ᵀ + b₂`.
 *    - pre-norm:  `h += MHA(LN₁(h)); h += FFN(LN₂(h))`, and a final LN after the last layer;
 *    - post-norm: `h = LN₁(h + MHA(h)); h = LN₂(h + FFN(h))`.
 * 3. Output: `per-position` logits `h·W_headᵀ + b_head`, `[B, S, C]` (zeros at padded positions), or `pooled`:
 *    the mean of `h` over each sequence's valid positions, then the head: `[B, C]`.
 *
 * GELU is the tanh form `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`. Layer norm uses the biased variance.
 * Sinusoidal encoding: `PE[s, 2i] = sin(s / 10000^(2i/d))`, `PE[s, 2i+1] = cos(s / 10000^(2i/d))`.
 * RoPE rotates the two halves of each head: for `i < Dh/2`, `θ = s · base^(-2i/Dh)`,
 * `(x[i], x[i+Dh/2]) → (x[i]cosθ - x[i+Dh/2]sinθ, x[i]sinθ + x[i+Dh/2]cosθ)`.
 */
import { ModelError } from './errors.js';
import { defaultMaxBytes, expectWithinLimit } from './limits.js';

/** Positional encoding of the encoder. */
export type PositionalEncoding =
  | {
      /** No positional information: attention sees the positions as a set. */
      readonly kind: 'none';
    }
  | {
      /** The fixed sinusoidal table `[S, d]` added after the input projection (needs an even `dModel`). */
      readonly kind: 'sinusoidal';
    }
  | {
      /** A learned table `positional.table` `[maxLength, d]`, added after the input projection. */
      readonly kind: 'learned';
      /** Rows of the table: the longest run the model takes (a longer input is refused with `ERR_SHAPE`). */
      readonly maxLength: number;
    }
  | {
      /** Rotary embedding of q and k in every layer (needs an even head size `Dh`). */
      readonly kind: 'rope';
      /** Base of the rotation frequencies `base^(-2i/Dh)`, a number `> 1`; default `10000`. */
      readonly base?: number;
    }
  | {
      /** ALiBi: every layer adds `-slope[h]·|i - j|`, slopes `2^(-8(h+1)/H)`; no table. */
      readonly kind: 'alibi';
    };

/** Attention options of one encoder layer. */
export interface LayerAttentionSpec {
  /** Causal masking: position `i` attends to positions `j <= i` only; default `false`. */
  readonly causal?: boolean;
  /**
   * `dot` (default): `q·k/sqrt(Dh)`; `additive`: `w_hᵀ·tanh(q_i + k_j)` with a learned
   * `layers.L.attention.additive.weight` `[H, Dh]`.
   */
  readonly relevance?: 'dot' | 'additive';
  /** Local window (truncated self-attention for long inputs): position `i` sees `i - left` to `i + right`. */
  readonly window?: {
    /** How many earlier positions each position sees: an integer `>= 0`, or `Infinity`. */
    readonly left: number;
    /** How many later positions each position sees: an integer `>= 0`, or `Infinity`. */
    readonly right: number;
  };
}

/**
 * What the encoder reads: feature vectors `[B, S, inputSize]` (the default), or token ids `[B, S]` looked
 * up in a learned embedding table `embedding.table` `[vocabSize, dModel]`.
 */
export type InputSpec =
  | {
      /** Feature vectors `[B, S, inputSize]` (float32), projected by `input.weight` `[d, inputSize]`. */
      readonly kind: 'features';
    }
  | {
      /** Token ids `[B, S]`, each an integer `0..vocabSize-1`. */
      readonly kind: 'tokens';
      /** Rows `V` of the embedding table: an integer from 1 to {@link MAX_VOCAB_SIZE}. */
      readonly vocabSize: number;
    };

/** Largest vocabulary: ids travel as float32 on some paths, exact up to 2^24. */
export const MAX_VOCAB_SIZE = 2 ** 24;

/** Output head. */
export interface OutputSpec {
  /** `per-position`: one label per position (N→N); `pooled`: one per sequence (N→1, mean over valid positions). */
  readonly kind: 'per-position' | 'pooled';
  /** Output classes `C`: the logits' last dimension (a positive integer). */
  readonly classes: number;
  /** Optional class names, one per class. */
  readonly labels?: readonly string[];
}

/**
 * A transformer encoder that labels sequences, as plain JSON.
 *
 * @example
 * ```ts
 * const spec: ModelSpec = {
 *   type: 'transformer-encoder', inputSize: 40, dModel: 64, heads: 4, layers: 2, ffnSize: 128,
 *   positional: { kind: 'sinusoidal' }, attention: { window: { left: 64, right: 64 } },
 *   output: { kind: 'per-position', classes: 8 },
 * };
 * ```
 */
export interface ModelSpec {
  /** The model family; the only one is `transformer-encoder`. */
  readonly type: 'transformer-encoder';
  /** Features per position; required for feature input, omitted (or 1) for token input. */
  readonly inputSize?: number;
  /** Default `{ kind: 'features' }`. */
  readonly input?: InputSpec;
  /** Model width `d`: values per position between layers (a multiple of `heads`). */
  readonly dModel: number;
  /** Query heads `H` per layer; each has `Dh = dModel / heads` values. */
  readonly heads: number;
  /** Fewer key/value heads (grouped-query attention); default `heads`. */
  readonly kvHeads?: number;
  /** Encoder layers, each attention then feed-forward. */
  readonly layers: number;
  /** Hidden width of each layer's feed-forward network. */
  readonly ffnSize: number;
  /** Default `gelu`. */
  readonly activation?: 'relu' | 'gelu';
  /** Default `pre`. */
  readonly norm?: 'pre' | 'post';
  /** Layer-norm epsilon; default `1e-5`. */
  readonly normEpsilon?: number;
  /** Default `{ kind: 'sinusoidal' }`. */
  readonly positional?: PositionalEncoding;
  /** One setting for every layer, or one per layer. */
  readonly attention?: LayerAttentionSpec | readonly LayerAttentionSpec[];
  /** The output head: per position or pooled, and its classes. */
  readonly output: OutputSpec;
}

/** A validated spec with every default filled in and one attention setting per layer. */
export interface ResolvedSpec {
  /** Always `transformer-encoder`. */
  readonly type: 'transformer-encoder';
  /** Values per position of a run's input: the features, or 1 (the id) with token input. */
  readonly inputSize: number;
  /** What the encoder reads (default `{ kind: 'features' }` filled in). */
  readonly input: InputSpec;
  /** Model width `d`. */
  readonly dModel: number;
  /** Query heads `H`. */
  readonly heads: number;
  /** Key/value heads `Hkv` (divides `heads`; `heads` when the spec gave none). */
  readonly kvHeads: number;
  /** Head size `Dh = dModel / heads`, for queries, keys and values alike. */
  readonly headDim: number;
  /** Encoder layers. */
  readonly layers: number;
  /** Hidden width of each feed-forward network. */
  readonly ffnSize: number;
  /** Feed-forward activation (default `gelu`, the tanh form). */
  readonly activation: 'relu' | 'gelu';
  /** Layer-norm placement (default `pre`, which adds a final norm). */
  readonly norm: 'pre' | 'post';
  /** Layer-norm epsilon (default `1e-5`). */
  readonly normEpsilon: number;
  /** Positional encoding (default `{ kind: 'sinusoidal' }`). */
  readonly positional: PositionalEncoding;
  /** One attention setting per layer, `[layers]`, defaults filled in. */
  readonly attention: readonly {
    /** Causal masking (default `false`). */
    readonly causal: boolean;
    /** How relevance is computed (default `dot`). */
    readonly relevance: 'dot' | 'additive';
    /** The local window, or `undefined` for none. */
    readonly window:
      | {
          /** Earlier positions each position sees (an integer `>= 0`, or `Infinity`). */
          readonly left: number;
          /** Later positions each position sees (an integer `>= 0`, or `Infinity`). */
          readonly right: number;
        }
      | undefined;
  }[];
  /** The output head, as given. */
  readonly output: OutputSpec;
}

function fail(path: string, message: string): never {
  throw new ModelError('ERR_SPEC', `spec.${path}: ${message}`, `spec.${path}`);
}

function posInt(spec: Record<string, unknown>, key: string): number {
  const x = spec[key];
  if (typeof x !== 'number' || !Number.isInteger(x) || x < 1)
    fail(key, `expected a positive integer, got ${JSON.stringify(x)}`);
  return x;
}

/**
 * Validates a spec and fills in its defaults. Throws a {@link ModelError} (`ERR_SPEC`) naming the field, or
 * a `SizeError` (`ERR_TOO_LARGE`) when its weights would exceed `limits.maxBytes` (default
 * {@link defaultMaxBytes}), before anything the size of the spec is allocated.
 */
export function resolveSpec(
  spec: ModelSpec,
  limits: {
    /** The most the spec's weights may take, in bytes; default {@link defaultMaxBytes}. */
    readonly maxBytes?: number;
    /** The dtype the weights will be held in: 2 bytes per weight for `float16`, 4 (the default) for `float32`. */
    readonly dtype?: 'float32' | 'float16';
  } = {},
): ResolvedSpec {
  if (spec === null || typeof spec !== 'object')
    throw new ModelError('ERR_SPEC', `spec: expected an object, got ${typeof spec}`, 'spec');
  const s = spec as unknown as Record<string, unknown>;
  if (s.type !== 'transformer-encoder') fail('type', `expected "transformer-encoder", got ${JSON.stringify(s.type)}`);
  const input = resolveInput(s);
  const inputSize = input.kind === 'tokens' ? 1 : posInt(s, 'inputSize');
  const dModel = posInt(s, 'dModel');
  const heads = posInt(s, 'heads');
  const kvHeads = s.kvHeads === undefined ? heads : posInt(s, 'kvHeads');
  const layers = posInt(s, 'layers');
  const ffnSize = posInt(s, 'ffnSize');
  if (dModel % heads !== 0) fail('heads', `${heads} heads do not divide dModel ${dModel}`);
  if (heads % kvHeads !== 0) fail('kvHeads', `${kvHeads} key/value heads do not divide ${heads} heads`);
  const activation = s.activation ?? 'gelu';
  if (activation !== 'relu' && activation !== 'gelu')
    fail('activation', `expected "relu" or "gelu", got ${JSON.stringify(activation)}`);
  const norm = s.norm ?? 'pre';
  if (norm !== 'pre' && norm !== 'post') fail('norm', `expected "pre" or "post", got ${JSON.stringify(norm)}`);
  const normEpsilon = s.normEpsilon ?? 1e-5;
  if (typeof normEpsilon !== 'number' || !(normEpsilon > 0) || !Number.isFinite(normEpsilon))
    fail('normEpsilon', `expected a positive number, got ${JSON.stringify(normEpsilon)}`);
  const positional = (s.positional ?? { kind: 'sinusoidal' }) as PositionalEncoding;
  const headDim = dModel / heads;
  const output0 = s.output as OutputSpec | null | undefined;
  const classes = typeof output0?.classes === 'number' && output0.classes > 0 ? output0.classes : 1;
  const tableRows =
    positional?.kind === 'learned' && typeof positional.maxLength === 'number' && positional.maxLength > 0
      ? positional.maxLength
      : 0;
  const sizes = { inputSize, dModel, heads, kvHeads, headDim, layers, ffnSize };
  expectSpecSize(
    {
      ...sizes,
      classes,
      tableRows,
      vocab: input.kind === 'tokens' ? input.vocabSize : 0,
      additiveLayers: Array.isArray(s.attention)
        ? (s.attention as LayerAttentionSpec[]).filter((a) => a?.relevance === 'additive').length
        : (s.attention as LayerAttentionSpec | undefined)?.relevance === 'additive'
          ? layers
          : 0,
      pre: (s.norm ?? 'pre') === 'pre',
    },
    limits.maxBytes ?? defaultMaxBytes(),
    limits.dtype === 'float16' ? 2 : 4,
  );
  switch (positional?.kind) {
    case 'none':
    case 'sinusoidal':
    case 'alibi':
      break;
    case 'learned':
      if (!Number.isInteger(positional.maxLength) || positional.maxLength < 1)
        fail('positional.maxLength', `expected a positive integer, got ${JSON.stringify(positional.maxLength)}`);
      break;
    case 'rope':
      if (headDim % 2 !== 0) fail('positional', `RoPE needs an even head size, got ${headDim}`);
      if (
        positional.base !== undefined &&
        !(typeof positional.base === 'number' && positional.base > 1 && Number.isFinite(positional.base))
      )
        fail('positional.base', `expected a number > 1, got ${JSON.stringify(positional.base)}`);
      break;
    default:
      fail(
        'positional.kind',
        `expected none, sinusoidal, learned, rope or alibi, got ${JSON.stringify((positional as { kind?: unknown })?.kind)}`,
      );
  }
  if (positional.kind === 'sinusoidal' && dModel % 2 !== 0)
    fail('positional', `sinusoidal encoding needs an even dModel, got ${dModel}`);
  const rawAttn = s.attention ?? {};
  const list = Array.isArray(rawAttn) ? rawAttn : Array.from({ length: layers }, () => rawAttn);
  if (list.length !== layers) fail('attention', `has ${list.length} entries, expected one per layer (${layers})`);
  const attention = list.map((a: LayerAttentionSpec, l: number) => {
    if (a === null || typeof a !== 'object') fail(`attention[${l}]`, 'expected an object');
    if (a.causal !== undefined && typeof a.causal !== 'boolean') fail(`attention[${l}].causal`, 'expected a boolean');
    const relevance = a.relevance ?? 'dot';
    if (relevance !== 'dot' && relevance !== 'additive')
      fail(`attention[${l}].relevance`, `expected "dot" or "additive", got ${JSON.stringify(a.relevance)}`);
    let window: { left: number; right: number } | undefined;
    if (a.window !== undefined) {
      for (const side of ['left', 'right'] as const) {
        const x = a.window?.[side];
        if (typeof x !== 'number' || !(Number.isInteger(x) || x === Infinity) || x < 0)
          fail(`attention[${l}].window.${side}`, `expected an integer >= 0, got ${JSON.stringify(x)}`);
      }
      window = { left: a.window.left, right: a.window.right };
    }
    return { causal: a.causal === true, relevance, window };
  });
  const output = s.output as OutputSpec;
  if (output === null || typeof output !== 'object') fail('output', 'expected { kind, classes }');
  if (output.kind !== 'per-position' && output.kind !== 'pooled')
    fail('output.kind', `expected "per-position" or "pooled", got ${JSON.stringify(output.kind)}`);
  if (!Number.isInteger(output.classes) || output.classes < 1)
    fail('output.classes', `expected a positive integer, got ${JSON.stringify(output.classes)}`);
  if (output.labels !== undefined && (!Array.isArray(output.labels) || output.labels.length !== output.classes))
    fail('output.labels', `expected ${output.classes} names`);
  return {
    type: 'transformer-encoder',
    ...sizes,
    input,
    activation,
    norm,
    normEpsilon,
    positional,
    attention,
    output,
  };
}

/**
 * The name and shape of every weight a spec needs, in a stable order. Linear weights are `[out, in]`
 * (y = x·Wᵀ + b).
 */
export function weightShapes(spec: ModelSpec | ResolvedSpec): Map<string, readonly number[]> {
  const r = 'headDim' in spec ? spec : resolveSpec(spec);
  const d = r.dModel,
    qd = r.heads * r.headDim,
    kvd = r.kvHeads * r.headDim;
  const m = new Map<string, readonly number[]>();
  if (r.input.kind === 'tokens') {
    m.set('embedding.table', [r.input.vocabSize, d]);
  } else {
    m.set('input.weight', [d, r.inputSize]);
    m.set('input.bias', [d]);
  }
  if (r.positional.kind === 'learned') m.set('positional.table', [r.positional.maxLength, d]);
  for (let l = 0; l < r.layers; l++) {
    const p = `layers.${l}.`;
    m.set(`${p}attention.query.weight`, [qd, d]);
    m.set(`${p}attention.query.bias`, [qd]);
    m.set(`${p}attention.key.weight`, [kvd, d]);
    m.set(`${p}attention.key.bias`, [kvd]);
    m.set(`${p}attention.value.weight`, [kvd, d]);
    m.set(`${p}attention.value.bias`, [kvd]);
    m.set(`${p}attention.output.weight`, [d, qd]);
    m.set(`${p}attention.output.bias`, [d]);
    if (r.attention[l]!.relevance === 'additive') m.set(`${p}attention.additive.weight`, [r.heads, r.headDim]);
    m.set(`${p}norm1.weight`, [d]);
    m.set(`${p}norm1.bias`, [d]);
    m.set(`${p}ffn.hidden.weight`, [r.ffnSize, d]);
    m.set(`${p}ffn.hidden.bias`, [r.ffnSize]);
    m.set(`${p}ffn.output.weight`, [d, r.ffnSize]);
    m.set(`${p}ffn.output.bias`, [d]);
    m.set(`${p}norm2.weight`, [d]);
    m.set(`${p}norm2.bias`, [d]);
  }
  if (r.norm === 'pre') {
    m.set('final_norm.weight', [d]);
    m.set('final_norm.bias', [d]);
  }
  m.set('head.weight', [r.output.classes, d]);
  m.set('head.bias', [r.output.classes]);
  return m;
}

/** The weights of a spec, by part, `width` bytes each, checked against the limit from the sizes alone. */
function expectSpecSize(
  d: {
    inputSize: number;
    dModel: number;
    heads: number;
    kvHeads: number;
    headDim: number;
    layers: number;
    ffnSize: number;
    classes: number;
    tableRows: number;
    vocab: number;
    additiveLayers: number;
    pre: boolean;
  },
  limit: number,
  width: number,
): void {
  const m = d.dModel,
    qd = d.heads * d.headDim,
    kvd = d.kvHeads * d.headDim;
  const perLayer =
    qd * m + qd + 2 * (kvd * m + kvd) + (m * qd + m) + 4 * m + (d.ffnSize * m + d.ffnSize) + (m * d.ffnSize + m);
  expectWithinLimit(
    'spec',
    [
      {
        what: `${d.layers} layers of ${perLayer} weights`,
        argument: 'spec.layers',
        bytes: d.layers * perLayer * width,
      },
      d.vocab > 0
        ? { what: `embedding table [${d.vocab}, ${m}]`, argument: 'spec.input.vocabSize', bytes: d.vocab * m * width }
        : { what: 'input projection', argument: 'spec.inputSize', bytes: (d.inputSize * m + m) * width },
      {
        what: 'additive relevance weights',
        argument: 'spec.attention',
        bytes: d.additiveLayers * d.heads * d.headDim * width,
      },
      { what: 'learned positions', argument: 'spec.positional.maxLength', bytes: d.tableRows * m * width },
      {
        what: 'output head',
        argument: 'spec.output.classes',
        bytes: (d.classes * m + d.classes + (d.pre ? 2 * m : 0)) * width,
      },
    ],
    limit,
  );
}

function resolveInput(s: Record<string, unknown>): InputSpec {
  const input = s.input as { kind?: unknown; vocabSize?: unknown } | undefined | null;
  if (input === undefined) return { kind: 'features' };
  if (input === null || typeof input !== 'object')
    fail('input', "expected { kind: 'features' } or { kind: 'tokens', vocabSize }");
  if (input.kind === 'features') return { kind: 'features' };
  if (input.kind !== 'tokens') fail('input.kind', `expected "features" or "tokens", got ${JSON.stringify(input.kind)}`);
  const v = input.vocabSize;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > MAX_VOCAB_SIZE)
    fail('input.vocabSize', `expected an integer 1..${MAX_VOCAB_SIZE}, got ${JSON.stringify(v)}`);
  if (s.inputSize !== undefined && s.inputSize !== 1)
    fail('inputSize', `token input reads one id per position; omit inputSize (got ${JSON.stringify(s.inputSize)})`);
  return { kind: 'tokens', vocabSize: v };
}
