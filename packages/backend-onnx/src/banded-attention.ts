/**
 * Banded attention for a layer whose window is finite on both sides: query `i` sees only keys
 * `i - left .. i + right` (top-left aligned; keys `j < lengths[b]`; `j <= i` when causal). The length is
 * cut into blocks of `K = max(left, right, 1)` positions; the queries of block `n` can only see keys of
 * blocks `n - 1`, `n` and `n + 1`, so each block is one `[K, Dh] × [Dh, 3K]` product: scores of shape
 * `[B, nb, Hkv, G·K, 3K]` instead of `[B, H, S, S]`, time and memory O(S·K) instead of O(S²).
 *
 * Shape legend: B batch, S length, H query heads, Hkv key/value heads, G = H / Hkv, Dh head size, K the
 * block, nb = ceil(S / K) blocks, Sp = nb·K. Query head `h` reads key/value head `floor(h / G)`, as in
 * the `Attention` operator.
 */
import { int, ints, type GraphBuilder } from './onnx-builder.js';
import type { RunShape } from './encoder-positions.js';

/** A layer's attention settings, as far as the band needs them. */
export interface BandLayer {
  readonly causal: boolean;
  readonly window: { readonly left: number; readonly right: number };
}

/** Whether a layer's attention can run banded: a window finite on both sides. */
export function isBanded<T extends { readonly causal: boolean; readonly window?: BandLayer['window'] | undefined }>(
  a: T,
): a is T & BandLayer {
  return a.window !== undefined && Number.isFinite(a.window.left) && Number.isFinite(a.window.right);
}

/** What layers of the same window share: the block size, the padding and the key mask. */
export interface Band {
  readonly K: number;
  /** `[6]` int64: pads of a `[B, S, C]` tensor up to `Sp` positions. */
  readonly padToBlocks: string;
  /** `[6]` int64: pads of a `[B, S, C]` tensor with one block before and one (plus the rest) after. */
  readonly padAround: string;
  /** `[B, nb, 1, 1, 3K]` bool: key `j` of the three blocks exists (`0 <= j < lengths[b]`). */
  readonly keyValid: string;
  /** `[G·K, 3K]` float: 0 where the key is inside the window of the query row, a large negative else. */
  readonly windowBias: string;
}

/** A masked score: large and negative but finite, so a row with no visible key (padding) has no NaN. */
const MASKED = -1e30;

/** Builds the shared parts of a band for query groups of `G` heads. */
export function bandOf(g: GraphBuilder, rs: RunShape, layer: BandLayer, G: number): Band {
  const { left, right } = layer.window;
  const K = Math.max(left, right, 1);
  const k = g.int64s([K], []);
  const rest = g.op('Mod', [g.op('Sub', [k, g.op('Mod', [rs.S, k])]), k]); // Sp - S
  const rest1 = g.op('Unsqueeze', [rest, g.int64s([0])]);
  const padToBlocks = g.op('Concat', [g.int64s([0, 0, 0, 0]), rest1, g.int64s([0])], { axis: int(0) });
  const padAround = g.op('Concat', [g.int64s([0, K, 0, 0]), g.op('Add', [rest1, k]), g.int64s([0])], {
    axis: int(0),
  });
  const nb = g.op('Div', [g.op('Add', [rs.S, rest]), k]);
  // Key position of slot c of block n: (n - 1)·K + c.
  const n = g.op('Unsqueeze', [g.op('Range', [g.int64s([0], []), nb, g.int64s([1], [])]), g.int64s([1])]);
  const c = g.int64s(
    Array.from({ length: 3 * K }, (_, i) => i - K),
    [1, 3 * K],
  );
  const j = g.op('Add', [g.op('Mul', [n, k]), c]); // [nb, 3K]
  const valid = g.op('And', [
    g.op('GreaterOrEqual', [j, g.int64s([0], [])]),
    g.op('Less', [g.op('Unsqueeze', [j, g.int64s([0])]), g.op('Unsqueeze', [rs.lengths, g.int64s([1, 2])])]),
  ]); // [B, nb, 3K]
  const bias: number[] = [];
  for (let gi = 0; gi < G; gi++)
    for (let r = 0; r < K; r++)
      for (let s = 0; s < 3 * K; s++) {
        const d = s - K - r; // j - i
        bias.push(d >= -left && d <= right && !(layer.causal && d > 0) ? 0 : MASKED);
      }
  return {
    K,
    padToBlocks,
    padAround,
    keyValid: g.op('Unsqueeze', [valid, g.int64s([2, 3])]),
    windowBias: g.floats(bias, [G * K, 3 * K]),
  };
}

/** Banded attention of packed `q` `[B, S, H·Dh]`, `k`, `v` `[B, S, Hkv·Dh]`; returns `[B, S, H·Dh]`. */
export function bandedAttention(
  g: GraphBuilder,
  band: Band,
  rs: RunShape,
  q: string,
  k: string,
  v: string,
  dims: { readonly H: number; readonly Hkv: number; readonly Dh: number },
): string {
  const { H, Hkv, Dh } = dims;
  const { K } = band;
  const G = H / Hkv;
  // Queries: [B, Sp, H·Dh] → [B, nb, K, Hkv, G, Dh] → [B, nb, Hkv, G·K, Dh].
  const qb = g.op('Reshape', [g.op('Pad', [q, band.padToBlocks]), g.int64s([0, -1, K, Hkv, G, Dh])]);
  const q5 = g.op('Reshape', [
    g.op('Transpose', [qb], { perm: ints([0, 1, 3, 4, 2, 5]) }),
    g.int64s([0, 0, Hkv, G * K, Dh]),
  ]);
  // Keys and values: padded by a block on each side, [B, nb + 2, K, Hkv, Dh], then each block beside its
  // neighbours: [B, nb, 3K, Hkv, Dh].
  const three = (x: string): string => {
    const blocks = g.op('Reshape', [g.op('Pad', [x, band.padAround]), g.int64s([0, -1, K, Hkv, Dh])]);
    const axis = g.int64s([1]);
    const end = g.int64s([Number.MAX_SAFE_INTEGER]);
    const parts = [0, 1, 2].map((o) =>
      g.op('Slice', [blocks, g.int64s([o]), o === 2 ? end : g.int64s([-(2 - o)]), axis]),
    );
    return g.op('Concat', parts, { axis: int(2) });
  };
  const kb = g.op('Transpose', [three(k)], { perm: ints([0, 1, 3, 4, 2]) }); // [B, nb, Hkv, Dh, 3K]
  const vb = g.op('Transpose', [three(v)], { perm: ints([0, 1, 3, 2, 4]) }); // [B, nb, Hkv, 3K, Dh]
  const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q5, kb]), g.floats(1 / Math.sqrt(Dh))]), band.windowBias]);
  const masked = g.op('Where', [band.keyValid, scores, g.floats(MASKED)]);
  const y = g.op('MatMul', [g.op('Softmax', [masked], { axis: int(-1) }), vb]); // [B, nb, Hkv, G·K, Dh]
  const y6 = g.op('Reshape', [y, g.int64s([0, 0, Hkv, G, K, Dh])]);
  const packed = g.op('Reshape', [
    g.op('Transpose', [y6], { perm: ints([0, 1, 4, 2, 3, 5]) }),
    g.int64s([0, -1, H * Dh]),
  ]);
  return g.op('Slice', [packed, g.int64s([0]), g.op('Unsqueeze', [rs.S, g.int64s([0])]), g.int64s([1])]);
}
