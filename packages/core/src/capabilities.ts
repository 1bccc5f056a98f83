/**
 * What a backend supports, declared honestly. Requests that need an undeclared feature are refused with
 * an {@link UnsupportedError} before the backend runs; the conformance suite shows such cases as skipped.
 */
import type { AttentionSetup } from './attention-setup.js';
import type { DType } from './half-tensor.js';

export type { DType } from './half-tensor.js';

/** A feature an attention call may need. */
export type Feature =
  | 'groupedHeads'
  | 'valueDim'
  | 'softcap'
  | 'boolMask'
  | 'biasMask'
  | 'causal'
  | 'window'
  | 'keyLengths'
  | 'graph'
  | 'alibi'
  | 'additive'
  | 'past'
  | 'attentionMap:scores'
  | 'attentionMap:softcapped'
  | 'attentionMap:masked'
  | 'attentionMap:probs'
  /** float16 tensors (q, k, v and the past; see `HalfTensor`). */
  | 'float16'
  /** Compiled transformer encoders (`Backend.compile`). */
  | 'models'
  /**
   * Models that hold their weights in float16 (`compile(spec, weights, { dtype: 'float16' })`); a backend
   * declares it beside `models`.
   */
  | 'models:float16';

/** Every feature, in a stable order. */
export const ALL_FEATURES: readonly Feature[] = [
  'groupedHeads',
  'valueDim',
  'softcap',
  'boolMask',
  'biasMask',
  'causal',
  'window',
  'keyLengths',
  'graph',
  'alibi',
  'additive',
  'past',
  'attentionMap:scores',
  'attentionMap:softcapped',
  'attentionMap:masked',
  'attentionMap:probs',
  'float16',
  'models',
  'models:float16',
];

/** A backend's declared capabilities: features and limits. Core refuses what they exclude before a call. */
export interface Capabilities {
  /** Supported features. */
  readonly features: ReadonlySet<Feature>;
  /** Why each missing feature is missing (shown in skip reasons and selection reports). */
  readonly reasons?: Partial<Record<Feature, string>>;
  /** Largest total key length `T` a single call accepts, if limited. */
  readonly maxKeyLength?: number;
  /**
   * Largest array of one key/value head a single buffer may hold, in bytes, for backends that bind
   * each head's data as one buffer (WebGPU's `maxStorageBufferBindingSize`): per key/value head, the
   * queries `[G, Sq, Dk]`, keys `[T, Dk]`, values `[T, Dv]`, output `[G, Sq, Dv]` and a requested attention map
   * `[G, Sq, T]` (G = Hq/Hkv) must each fit.
   */
  readonly maxBindingBytes?: number;
  /** Element types of tensors it takes: `float32`, and `float16` where the `float16` feature is declared. */
  readonly dtypes?: readonly DType[];
}

/**
 * The one wording of missing features, for errors, skips and reports: `window (why), graph (why)`.
 */
export function describeMissing(
  missing: readonly {
    /** The missing feature's name. */
    feature: Feature;
    /** Why it is missing, shown in parentheses. */
    reason: string;
  }[],
): string {
  return missing.map((m) => `${m.feature} (${m.reason})`).join(', ');
}

/**
 * Builds a capability declaration from a list of features.
 *
 * @example
 * ```ts
 * const caps = capabilities(ALL_FEATURES.filter((f) => f !== 'graph'), { graph: 'no sparse kernels yet' });
 * ```
 */
export function capabilities(
  features: Iterable<Feature>,
  reasons: Partial<Record<Feature, string>> = {},
  limits: {
    /** Largest total key length `T` one call accepts (see {@link Capabilities.maxKeyLength}). */
    readonly maxKeyLength?: number;
    /** Most bytes one key/value head's array may take in one buffer (see {@link Capabilities.maxBindingBytes}). */
    readonly maxBindingBytes?: number;
  } = {},
): Capabilities {
  const set = new Set(features);
  return {
    features: set,
    reasons,
    ...limits,
    dtypes: set.has('float16') ? ['float32', 'float16'] : ['float32'],
  };
}

/**
 * Why a call of these sizes exceeds the capabilities' limits, or `undefined` when it fits. Core asks this
 * before every call, and the suite before every case.
 */
export function exceededLimit(
  caps: Capabilities,
  d: {
    /** `B`: batch size (no limit depends on it). */
    readonly batch?: number;
    /** `Hq`: query heads. */
    readonly qHeads: number;
    /** `Hkv`: key/value heads. */
    readonly kvHeads: number;
    /** `Sq`: query length. */
    readonly qLength: number;
    /** `T`: total key length, the past included. */
    readonly keyLength: number;
    /** `Dk`: query/key head size. */
    readonly keyDim: number;
    /** `Dv`: value head size. */
    readonly valueDim: number;
    /** The attention map the call returns (`none` for none): a map must fit the binding limit too. */
    readonly attentionMap: string;
  },
):
  | {
      /** The argument that is too large (`k`, `q`, `v` or `options.attentionMap`), for the error. */
      argument: string;
      /** What is over which limit, with the sizes (to follow the backend's name). */
      message: string;
    }
  | undefined {
  if (caps.maxKeyLength !== undefined && d.keyLength > caps.maxKeyLength) {
    return { argument: 'k', message: `accepts at most ${caps.maxKeyLength} keys per call, got ${d.keyLength}` };
  }
  const limit = caps.maxBindingBytes;
  if (limit !== undefined) {
    const G = d.qHeads / d.kvHeads;
    const parts: [string, number][] = [
      ['q', G * d.qLength * d.keyDim],
      ['k', d.keyLength * d.keyDim],
      ['v', d.keyLength * d.valueDim],
      ['q', G * d.qLength * d.valueDim],
    ];
    if (d.attentionMap !== 'none') parts.push(['options.attentionMap', G * d.qLength * d.keyLength]);
    for (const [argument, n] of parts) {
      if (n * 4 > limit) {
        return {
          argument,
          message: `one key/value head (Sq ${d.qLength}, T ${d.keyLength}, Dk ${d.keyDim}, Dv ${d.valueDim}) needs ${n * 4} bytes in one buffer, more than this backend binds at once (${limit}); split the call (e.g. fewer keys per call)`,
        };
      }
    }
  }
  return undefined;
}

/** The features a validated call needs. */
export function requiredFeatures(p: AttentionSetup): Feature[] {
  const f: Feature[] = [];
  if (p.group > 1) f.push('groupedHeads');
  if (p.valueDim !== p.keyDim) f.push('valueDim');
  if (p.softcap > 0) f.push('softcap');
  if (p.mask?.kind === 'bool') f.push('boolMask');
  if (p.mask?.kind === 'bias') f.push('biasMask');
  if (p.causal) f.push('causal');
  if (p.window) f.push('window');
  if (p.validKeys) f.push('keyLengths');
  if (p.graph) f.push('graph');
  if (p.alibi) f.push('alibi');
  if (p.additive) f.push('additive');
  if (p.pastLength > 0) f.push('past');
  if (p.attentionMap !== 'none') f.push(`attentionMap:${p.attentionMap}`);
  if (p.dtype === 'float16') f.push('float16');
  return f;
}

/** The required features a backend lacks, with reasons. */
export function missingFeatures(
  caps: Capabilities,
  needed: readonly Feature[],
): {
  /** A required feature the capabilities do not list. */
  feature: Feature;
  /** Why the backend lacks it (its `reasons` entry), or `not supported by this backend`. */
  reason: string;
}[] {
  return needed
    .filter((f) => !caps.features.has(f))
    .map((feature) => ({ feature, reason: caps.reasons?.[feature] ?? 'not supported by this backend' }));
}
