/**
 * What a backend supports, declared honestly. Requests that need an undeclared feature are refused with
 * an {@link UnsupportedError} before the backend runs; the conformance suite shows such cases as skipped.
 */
import type { AttentionProblem } from './attention-problem.js';

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
  | 'past'
  | 'weights:scores'
  | 'weights:softcapped'
  | 'weights:masked'
  | 'weights:probs'
  | 'models';

/** Every feature, in a stable order. */
export const ALL_FEATURES: readonly Feature[] = [
  'groupedHeads', 'valueDim', 'softcap', 'boolMask', 'biasMask', 'causal', 'window', 'keyLengths', 'graph',
  'alibi', 'past', 'weights:scores', 'weights:softcapped', 'weights:masked', 'weights:probs', 'models',
];

/** A backend's declared capabilities. */
export interface Capabilities {
  /** Supported features. */
  readonly features: ReadonlySet<Feature>;
  /** Why each missing feature is missing (shown in skip reasons and selection reports). */
  readonly reasons?: Partial<Record<Feature, string>>;
  /** Largest total key length `T` a single call accepts, if limited. */
  readonly maxKeyLength?: number;
}

/**
 * Builds a capability declaration from a list of features.
 *
 * @example
 * ```ts
 * const caps = capabilities(ALL_FEATURES.filter((f) => f !== 'graph'), { graph: 'no sparse kernels yet' });
 * ```
 */
export function capabilities(features: Iterable<Feature>, reasons: Partial<Record<Feature, string>> = {}, maxKeyLength?: number): Capabilities {
  const caps: Capabilities = { features: new Set(features), reasons };
  return maxKeyLength === undefined ? caps : { ...caps, maxKeyLength };
}

/** The features a validated call needs. */
export function requiredFeatures(p: AttentionProblem): Feature[] {
  const f: Feature[] = [];
  if (p.group > 1) f.push('groupedHeads');
  if (p.valueDim !== p.keyDim) f.push('valueDim');
  if (p.softcap > 0) f.push('softcap');
  if (p.mask?.kind === 'bool') f.push('boolMask');
  if (p.mask?.kind === 'bias') f.push('biasMask');
  if (p.causal) f.push('causal');
  if (p.window) f.push('window');
  if (p.keyLengths) f.push('keyLengths');
  if (p.graph) f.push('graph');
  if (p.alibi) f.push('alibi');
  if (p.past) f.push('past');
  if (p.weights !== 'none') f.push(`weights:${p.weights}`);
  return f;
}

/** The required features a backend lacks, with reasons. */
export function missingFeatures(caps: Capabilities, needed: readonly Feature[]): { feature: Feature; reason: string }[] {
  return needed
    .filter((f) => !caps.features.has(f))
    .map((feature) => ({ feature, reason: caps.reasons?.[feature] ?? 'not supported by this backend' }));
}
