/**
 * Position-dependent parts of the encoder graph, all computed in the graph from the run's length `S` (so
 * one session serves every length): the sinusoidal table, RoPE, ALiBi, and the per-layer attention masks.
 * Tables are computed in float64 and cast to float32, as the reference does.
 *
 * Shape legend: B batch, S length, d dModel, H query heads, Dh head size, half = Dh / 2.
 */
import { alibiSlopes } from '@attnkit/core';
import { DType, int, type GraphBuilder } from './onnx-builder.js';

/** Values shared by the encoder graph's helpers. */
export interface RunShape {
  /** `S` as an int64 scalar. */
  readonly S: string;
  /** `lengths` `[B]` int64. */
  readonly lengths: string;
}

/** `0, 1, ..., S-1` as a float64 vector `[S]`. */
function positions(g: GraphBuilder, rs: RunShape): string {
  return g.op('Cast', [g.op('Range', [g.int64s([0], []), rs.S, g.int64s([1], [])])], { to: int(DType.double) });
}

/** `[S, n]` angles `s · freq[i]` in float64. */
function angles(g: GraphBuilder, rs: RunShape, freq: readonly number[]): string {
  const pos = g.op('Unsqueeze', [positions(g, rs), g.int64s([1])]);
  return g.op('Mul', [pos, g.doubles(freq, [1, freq.length])]);
}

/** The sinusoidal table `[S, d]`: `PE[s, 2i] = sin(s / 10000^(2i/d))`, `PE[s, 2i+1] = cos(...)`. */
export function sinusoidTable(g: GraphBuilder, rs: RunShape, d: number): string {
  const freq = Array.from({ length: d / 2 }, (_, i) => 1 / Math.pow(10000, (2 * i) / d));
  const a = angles(g, rs, freq);
  const axis = g.int64s([2]);
  const sin = g.op('Unsqueeze', [g.op('Sin', [a]), axis]);
  const cos = g.op('Unsqueeze', [g.op('Cos', [a]), axis]);
  const table = g.op('Reshape', [g.op('Concat', [sin, cos], { axis: int(2) }), g.int64s([-1, d])]);
  return g.op('Cast', [table], { to: int(DType.float) });
}

/** RoPE tables: cos and sin of `θ = s · base^(-2i/Dh)`, each `[S, 1, half]` (broadcast over heads). */
export function ropeTables(g: GraphBuilder, rs: RunShape, Dh: number, base: number): { cos: string; sin: string } {
  const half = Dh / 2;
  const freq = Array.from({ length: half }, (_, i) => Math.pow(base, (-2 * i) / Dh));
  const a = g.op('Unsqueeze', [angles(g, rs, freq), g.int64s([1])]);
  return {
    cos: g.op('Cast', [g.op('Cos', [a])], { to: int(DType.float) }),
    sin: g.op('Cast', [g.op('Sin', [a])], { to: int(DType.float) }),
  };
}

/**
 * Rotates the two halves of each head of `x` `[B, S, heads·Dh]`:
 * `(x1, x2) → (x1·cos - x2·sin, x1·sin + x2·cos)`.
 */
export function applyRope(
  g: GraphBuilder,
  x: string,
  heads: number,
  Dh: number,
  t: { cos: string; sin: string },
): string {
  const half = Dh / 2;
  const x4 = g.op('Reshape', [x, g.int64s([0, 0, heads, Dh])]);
  const axes = g.int64s([3]);
  const x1 = g.op('Slice', [x4, g.int64s([0]), g.int64s([half]), axes]);
  const x2 = g.op('Slice', [x4, g.int64s([half]), g.int64s([Dh]), axes]);
  const a = g.op('Sub', [g.op('Mul', [x1, t.cos]), g.op('Mul', [x2, t.sin])]);
  const b = g.op('Add', [g.op('Mul', [x1, t.sin]), g.op('Mul', [x2, t.cos])]);
  return g.op('Reshape', [g.op('Concat', [a, b], { axis: int(3) }), g.int64s([0, 0, heads * Dh])]);
}

/** Query (`[S, 1]`) and key (`[1, S]`) position indices, int64. */
export function indexGrid(g: GraphBuilder, rs: RunShape): { i: string; j: string } {
  const r = g.op('Range', [g.int64s([0], []), rs.S, g.int64s([1], [])]);
  return { i: g.op('Unsqueeze', [r, g.int64s([1])]), j: g.op('Unsqueeze', [r, g.int64s([0])]) };
}

/** Valid positions `[B, S]` (bool): `s < lengths[b]`. */
export function validPositions(g: GraphBuilder, rs: RunShape, j: string): string {
  return g.op('Less', [j, g.op('Unsqueeze', [rs.lengths, g.int64s([1])])]);
}

/**
 * The visibility mask `[B, 1, S, S]` (bool) of a layer over padded sequences: key `j < lengths[b]`, and
 * `j <= i` when causal, and `i - left <= j <= i + right` with a window (top-left aligned: padding does not
 * move the alignment).
 */
export function layerVisibility(
  g: GraphBuilder,
  grid: { i: string; j: string },
  valid: string,
  layer: { readonly causal: boolean; readonly window: { readonly left: number; readonly right: number } | undefined },
): string {
  let m = g.op('Unsqueeze', [valid, g.int64s([1, 2])]);
  const and = (x: string): void => {
    m = g.op('And', [m, x]);
  };
  if (layer.causal) and(g.op('LessOrEqual', [grid.j, grid.i]));
  if (layer.window && layer.window.left !== Infinity) {
    and(g.op('GreaterOrEqual', [grid.j, g.op('Sub', [grid.i, g.int64s([layer.window.left], [])])]));
  }
  if (layer.window && layer.window.right !== Infinity) {
    and(g.op('LessOrEqual', [grid.j, g.op('Add', [grid.i, g.int64s([layer.window.right], [])])]));
  }
  return m;
}

/** The ALiBi bias `[1, H, S, S]`: `-slope[h] · |i - j|` with slopes `2^(-8(h+1)/H)`. */
export function alibiBias(g: GraphBuilder, grid: { i: string; j: string }, H: number): string {
  const dist = g.op('Cast', [g.op('Abs', [g.op('Sub', [grid.i, grid.j])])], { to: int(DType.float) });
  const slopes = Array.from(alibiSlopes(H), (s) => -s);
  return g.op('Mul', [g.floats(slopes, [1, H, 1, 1]), g.op('Unsqueeze', [dist, g.int64s([0, 1])])]);
}

/** `Where(visible, bias, -Infinity)`: a float mask from a bool one, with an optional bias. */
export function maskedBias(g: GraphBuilder, visible: string, bias: string | undefined): string {
  return g.op('Where', [visible, bias ?? g.floats(0), g.floats(-Infinity)]);
}

/** Reduce-sums `x` over `axes` (opset 13+ form: axes as an input). */
export function reduceSum(g: GraphBuilder, x: string, axes: readonly number[], keepdims = false): string {
  return g.op('ReduceSum', [x, g.int64s(axes)], { keepdims: int(keepdims ? 1 : 0) });
}
