/**
 * Dispatch helpers for the encoder kernels (WGSL in encoder-ops.wgsl.ts; shape legend there).
 */
import {
  addRowsHalfKernel,
  addRowsKernel,
  addRowsShaderF16Kernel,
  ELEMENTWISE_GROUP,
  layerNormKernel,
  linearHalfKernel,
  linearKernel,
  linearShaderF16Kernel,
  meanPoolKernel,
  splitHeadsKernel,
  narrowHalvesKernel,
  widenHalvesKernel,
  zeroRowsKernel,
  type WeightStorage,
} from './encoder-ops.wgsl.js';
import type { GpuOp, Slice } from './gpu-op.js';
import type { UniformBinding } from './wgsl-bindings.js';
import { packFields, type FieldValues, type Fields } from './wgsl-struct.js';

const LINEAR = { float32: linearKernel, float16: linearHalfKernel, 'shader-f16': linearShaderF16Kernel } as const;
const ADD_ROWS = { float32: addRowsKernel, float16: addRowsHalfKernel, 'shader-f16': addRowsShaderF16Kernel } as const;

/** Activation codes of the linear kernel. */
export const ACT = { none: 0, relu: 1, gelu: 2 } as const;

/** A uniform buffer holding `values` for the uniform block `binding` (every field needed). */
function params<F extends Fields>(op: GpuOp, binding: UniformBinding<F>, values: FieldValues<F>): Slice {
  return op.uniform(packFields(binding.fields, values));
}

/** Workgroups for `n` items, {@link ELEMENTWISE_GROUP} per group, folded into two dimensions. */
function grid(op: GpuOp, n: number): [number, number] {
  const groups = Math.ceil(n / ELEMENTWISE_GROUP);
  const max = op.ctx.profile.maxWorkgroupsPerDimension;
  const x = Math.max(1, Math.min(groups, max));
  return [x, Math.ceil(groups / x)];
}

/** `y[R, O] = act(x·wᵀ + b)`, or `y += x·wᵀ + b` with `accumulate`; `weights`: how `w` is stored (default float32). */
export function linear(
  op: GpuOp,
  x: Slice,
  R: number,
  I: number,
  w: Slice,
  b: Slice,
  O: number,
  y: Slice,
  options: { accumulate?: boolean; act?: number; weights?: WeightStorage } = {},
): void {
  const P = params(op, linearKernel.bindings.P, {
    R,
    I,
    O,
    accumulate: options.accumulate ? 1 : 0,
    act: options.act ?? 0,
  });
  const kernel = op.ctx.kernel(LINEAR[options.weights ?? 'float32']);
  op.dispatch(kernel, { P, x, w, bias: b, y }, [Math.ceil(O / 16), Math.ceil(R / 16)]);
}

/** Layer norm of `R` rows of `D` into `y` (a different buffer). */
export function layerNorm(
  op: GpuOp,
  x: Slice,
  R: number,
  D: number,
  gamma: Slice,
  beta: Slice,
  eps: number,
  y: Slice,
): void {
  const max = op.ctx.profile.maxWorkgroupsPerDimension;
  const gx = Math.min(R, max);
  const P = params(op, layerNormKernel.bindings.P, { R, I: D, eps });
  op.dispatch(op.ctx.kernel(layerNormKernel), { P, x, gamma, beta, y }, [gx, Math.ceil(R / gx)]);
}

/** `h[r, :] += table[r mod S, :]`; `storage`: how `table` is stored. */
export function addRows(
  op: GpuOp,
  h: Slice,
  R: number,
  D: number,
  table: Slice,
  S: number,
  storage: WeightStorage = 'float32',
): void {
  const P = params(op, addRowsKernel.bindings.P, { R, I: D, S });
  op.dispatch(op.ctx.kernel(ADD_ROWS[storage]), { P, table, h }, grid(op, R * D));
}

/** Splits the fused projection into heads, with RoPE when `trig` is given. */
export function splitHeads(
  op: GpuOp,
  proj: Slice,
  dims: { B: number; S: number; H: number; Hkv: number; Dh: number },
  trig: Slice | undefined,
  q: Slice,
  k: Slice,
  v: Slice,
): void {
  const { B, S, H, Hkv, Dh } = dims;
  const I = (H + 2 * Hkv) * Dh;
  const P = params(op, splitHeadsKernel.bindings.P, { R: B * S, I, S, H, Hkv, Dh, rope: trig ? 1 : 0 });
  op.dispatch(op.ctx.kernel(splitHeadsKernel), { P, proj, trig: trig ?? proj, q, k, v }, grid(op, B * S * I));
}

/** Mean of `h` `[B, S, D]` over each sequence's valid rows into `out` `[B, D]`. */
export function meanPool(op: GpuOp, h: Slice, B: number, S: number, D: number, lengths: Slice, out: Slice): void {
  const P = params(op, meanPoolKernel.bindings.P, { B, S, I: D });
  op.dispatch(op.ctx.kernel(meanPoolKernel), { P, lengths, h, out }, [Math.ceil((B * D) / ELEMENTWISE_GROUP)]);
}

/** Zeroes the rows of `y` `[B, S, C]` at or past each sequence's length. */
export function zeroRows(op: GpuOp, y: Slice, B: number, S: number, C: number, lengths: Slice): void {
  const P = params(op, zeroRowsKernel.bindings.P, { B, S, I: C });
  op.dispatch(op.ctx.kernel(zeroRowsKernel), { P, lengths, y }, grid(op, B * S * C));
}

/** A float32 buffer of the `n` halves packed in `halves` (two per u32). */
export function widenHalves(op: GpuOp, halves: Slice, n: number): Slice {
  const y = op.scratch(n * 4, 'the widened float16 input');
  const P = params(op, widenHalvesKernel.bindings.P, { n, I: 1 });
  op.dispatch(op.ctx.kernel(widenHalvesKernel), { P, x: halves, y }, grid(op, n));
  return y;
}

/** The `n` float32 values of `x` as halves, two per u32 (rounded to nearest even). */
export function narrowHalves(op: GpuOp, x: Slice, n: number): Slice {
  const words = Math.ceil(n / 2);
  const y = op.scratch(words * 4, 'the float16 output');
  const P = params(op, narrowHalvesKernel.bindings.P, { n, words, I: 1 });
  op.dispatch(op.ctx.kernel(narrowHalvesKernel), { P, x, y }, grid(op, words));
  return y;
}
