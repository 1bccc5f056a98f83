/**
 * The parts of a model run beyond feature vectors: token ids (checked, then looked up in the embedding
 * table) and a graph that restricts every layer's attention to edges.
 *
 * Shape legend: B batch, S length, V vocabulary size, d dModel.
 */
import { fromHalfBits } from './half.js';
import { AttnkitError, ShapeError } from './errors.js';

/** Token ids `[B, S]` for a model with `input: { kind: 'tokens' }`. */
export interface TokenTensor {
  /** `[B, S]`: sequences and positions. */
  readonly shape: readonly number[];
  /** Integer ids `0..vocabSize-1`; a Float32Array of whole numbers is accepted too. */
  readonly data: Int32Array | Float32Array;
}

/** A run's graph: edges `(query node, key node)`, as pairs. */
export interface RunGraphEdges {
  /**
   * Flat pairs `[i0, j0, i1, j1, ...]`: position `i` attends to position `j`, both `0..S-1`. A position with
   * no edge attends to nothing (its attention output is zeros).
   */
  readonly edges: Int32Array | readonly number[];
}

/** One graph for every sequence of the run, or one per sequence. */
export type RunGraphOption = RunGraphEdges | readonly RunGraphEdges[];

/** A validated run graph. */
export interface RunGraph {
  /** `true`: `edges[0]` is shared by every sequence; `false`: `edges[b]` belongs to sequence `b`. */
  readonly shared: boolean;
  /** The checked pairs, copied: one flat `(query, key)` list for a shared graph, else one per sequence (`[B]`). */
  readonly edges: readonly Int32Array[];
}

/**
 * Checks the ids of a run and returns them as an Int32Array. Positions beyond a sequence's length are
 * padding: whatever they hold becomes 0. Throws `ERR_RANGE` naming the first bad id's position.
 */
export function readTokens(
  data: Int32Array | Float32Array,
  B: number,
  S: number,
  lengths: Int32Array,
  vocabSize: number,
): Int32Array {
  const ids = new Int32Array(B * S);
  for (let b = 0; b < B; b++) {
    const n = lengths[b]!;
    for (let s = 0; s < n; s++) {
      const x = data[b * S + s]!;
      if (!Number.isInteger(x) || x < 0 || x >= vocabSize) {
        throw new AttnkitError(
          'ERR_RANGE',
          `input: token at [${b}, ${s}] is ${x}; expected an integer id 0..${vocabSize - 1}`,
          'input',
        );
      }
      ids[b * S + s] = x;
    }
  }
  return ids;
}

/**
 * Looks up token ids in the embedding table: row `ids[r]` of `table` `[V, d]` for each of the `R` ids,
 * `[R, d]` float32. A float16 table (half bits) has only the rows looked up widened.
 *
 * @example
 * ```ts
 * const h = embedTokens(req.tokens!, weights.get('embedding.table')!, spec.dModel);
 * ```
 */
export function embedTokens(ids: Int32Array, table: Float32Array | Uint16Array, d: number): Float32Array {
  const out = new Float32Array(ids.length * d);
  if (table instanceof Uint16Array) {
    for (let r = 0; r < ids.length; r++) {
      const at = ids[r]! * d;
      for (let c = 0; c < d; c++) out[r * d + c] = fromHalfBits(table[at + c]!);
    }
    return out;
  }
  for (let r = 0; r < ids.length; r++) out.set(table.subarray(ids[r]! * d, (ids[r]! + 1) * d), r * d);
  return out;
}

function readEdges(g: unknown, name: string, S: number): Int32Array {
  const e = (g as { edges?: unknown } | null)?.edges;
  if (g === null || typeof g !== 'object' || (!(e instanceof Int32Array) && !Array.isArray(e))) {
    throw new AttnkitError('ERR_TYPE', `${name}: expected { edges: Int32Array of (query, key) pairs }`, name);
  }
  const edges = e as ArrayLike<number>;
  if (edges.length % 2 !== 0)
    throw new ShapeError('ERR_SHAPE', `${name}.edges: has ${edges.length} numbers, expected pairs`, `${name}.edges`);
  for (let i = 0; i < edges.length; i++) {
    const x = edges[i]!;
    if (!Number.isInteger(x) || x < 0 || x >= S) {
      throw new AttnkitError(
        'ERR_RANGE',
        `${name}.edges: edge ${i >> 1} has ${i % 2 === 0 ? 'query' : 'key'} node ${x}, expected 0..${S - 1}`,
        `${name}.edges`,
      );
    }
  }
  return Int32Array.from(edges);
}

/** Validates `options.graph` of a run of `B` sequences of length `S` (copies the edges). */
export function prepareRunGraph(graph: RunGraphOption, B: number, S: number): RunGraph {
  if (Array.isArray(graph)) {
    if (graph.length !== B) {
      throw new ShapeError(
        'ERR_SHAPE',
        `options.graph: has ${graph.length} graphs, expected one per sequence (${B}) or a single { edges }`,
        'options.graph',
      );
    }
    return { shared: false, edges: graph.map((g, b) => readEdges(g, `options.graph[${b}]`, S)) };
  }
  return { shared: true, edges: [readEdges(graph, 'options.graph', S)] };
}

/**
 * The graph as a dense visibility mask `[Bg, 1, S, S]` (1 = edge), `Bg = 1` for a shared graph, else `B`.
 * Backends whose encoders take a mask (not an edge list) use it.
 */
export function graphVisibility(
  graph: RunGraph,
  S: number,
): {
  /** Row-major `[Bg, 1, S, S]`: `1` where position `i` has an edge to `j`, else `0`. */
  data: Uint8Array;
  /** The mask's shape `[Bg, 1, S, S]`, as `boolMask` takes it. */
  shape: [number, 1, number, number];
} {
  const Bg = graph.edges.length;
  const data = new Uint8Array(Bg * S * S);
  graph.edges.forEach((e, b) => {
    for (let i = 0; i < e.length; i += 2) data[(b * S + e[i]!) * S + e[i + 1]!] = 1;
  });
  return { data, shape: [Bg, 1, S, S] };
}
