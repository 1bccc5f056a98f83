/**
 * What each encoder layer's attention means, as attention options: every backend derives a layer's
 * masking (causal, window, padding, graph, ALiBi) and relevance from this one function.
 */
import { boolMask, type AttentionMapKind, type AttentionOptions } from './attention-options.js';
import type { AttentionDims } from './limits.js';
import type { ResolvedSpec } from './model-spec.js';
import { alibiSlopes } from './position-tables.js';
import { graphVisibility, type RunGraph } from './run-input.js';

/** The valid length of each sequence of a run (see `ModelRunRequest`), and its graph. */
export interface RunLengths {
  /** Valid positions of each sequence, `[B]`, each `1..S`: keys beyond a sequence's length are masked. */
  readonly lengths: Int32Array;
  /** Some sequence is shorter than the run's length `S`. */
  readonly padded: boolean;
  /** The run's graph (see `ModelRunOptions.graph`). */
  readonly graph?: RunGraph | undefined;
  /** The run's length `S` (needed with a graph per sequence). */
  readonly length?: number;
}

/**
 * The attention options of layer `layer` of `spec` for a run: the layer's `causal` and `window`, the
 * padding as `keyPadding` (which leaves the alignment top-left), the run's graph (a shared graph as
 * `graph`, one per sequence as a `[B, 1, S, S]` bool mask), and ALiBi slopes when the spec's positional
 * encoding is ALiBi. The scale is the default `1/sqrt(Dh)`. For an additive layer, pass its weights
 * (`layers.L.attention.additive.weight`, `[H, Dh]`) to get `relevance`; without them the options describe
 * the masking only.
 *
 * @example
 * ```ts
 * const options = layerAttentionOptions(spec, 0, { lengths: Int32Array.of(100, 80), padded: true });
 * const { output } = await backend.attention(q, k, v, options);
 * ```
 */
export function layerAttentionOptions(
  spec: ResolvedSpec,
  layer: number,
  run?: RunLengths,
  additiveWeights?: Float32Array,
): AttentionOptions {
  const a = spec.attention[layer];
  if (!a) throw new RangeError(`layer ${layer} is outside 0..${spec.layers - 1}`);
  const g = run?.graph;
  let graphOptions: AttentionOptions = {};
  if (g?.shared) graphOptions = { graph: { edges: g.edges[0]! } };
  else if (g) {
    const S = run?.length;
    if (S === undefined) throw new RangeError('a graph per sequence needs the run length');
    const m = graphVisibility(g, S);
    graphOptions = { mask: boolMask(m.data, m.shape) };
  }
  return {
    ...(a.causal ? { causal: true } : {}),
    ...(a.window ? { window: a.window } : {}),
    ...(run?.padded ? { keyPadding: run.lengths } : {}),
    ...graphOptions,
    ...(spec.positional.kind === 'alibi' ? { alibi: alibiSlopes(spec.heads) } : {}),
    ...(a.relevance === 'additive' && additiveWeights
      ? {
          relevance: {
            kind: 'additive' as const,
            weights: { shape: [spec.heads, spec.headDim], data: additiveWeights },
          },
        }
      : {}),
  };
}

/**
 * The sizes of every encoder layer's self-attention in a run of `batch` sequences of `length` positions:
 * queries and keys are the same positions (no past), and both head sizes are the spec's `headDim`.
 *
 * @example
 * ```ts
 * const dims = layerAttentionDims(spec, 2, 100); // { batch: 2, qHeads: spec.heads, qLength: 100, keyLength: 100, ... }
 * ```
 */
export function layerAttentionDims(
  spec: ResolvedSpec,
  batch: number,
  length: number,
  attentionMap: AttentionMapKind = 'none',
): AttentionDims {
  return {
    batch,
    qHeads: spec.heads,
    kvHeads: spec.kvHeads,
    qLength: length,
    kvLength: length,
    pastLength: 0,
    keyLength: length,
    keyDim: spec.headDim,
    valueDim: spec.headDim,
    attentionMap,
  };
}
