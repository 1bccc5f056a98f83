/**
 * The encoder's other kernels. Shape legend: R rows (B·S), I/O in/out features, B batch, S length,
 * d dModel, H/Hkv heads, Dh head size, C classes. All row-major float32.
 *
 * - linear: `y[R, O] = act(x[R, I]·w[O, I]ᵀ + b[O])`, or `y += x·wᵀ + b` (residual add); 16×16 output
 *   tiles, x and w streamed through workgroup memory 16 columns at a time. `w` is float32, or float16 (a
 *   float16 model): halves packed two per u32, or `array<f16>` on the `shader-f16` road, widened as they
 *   are loaded.
 * - layerNorm: one workgroup of 64 per row, mean then biased variance by tree reductions.
 * - addRows: `h[r, :] += table[r mod S, :]` (sinusoidal or learned positions; a learned table may be
 *   float16, packed like linear's weights).
 * - splitHeads: `[R, (H + 2·Hkv)·Dh]` → q `[B, H, S, Dh]`, k and v `[B, Hkv, S, Dh]`, RoPE on q and k
 *   from a `[S, Dh/2]` cos/sin table.
 * - meanPool: `[B, S, d]` → `[B, d]` over each sequence's valid rows; zeroRows: padded rows of `[B, S, C]` → 0.
 */
import { kernelSource, read, readWrite, uniform, type KernelSource } from './wgsl-bindings.js';
import { workgroupReductions } from './workgroup-reduce.wgsl.js';
import { enableF16, TO_HALF_WGSL } from './wgsl-float16.js';

/** Invocations per workgroup of the elementwise kernels (encoder-ops.ts folds their grids by it). */
export const ELEMENTWISE_GROUP = 64;

/**
 * The entry point of an elementwise kernel: `at` the flat index of an item (over a grid of
 * {@link ELEMENTWISE_GROUP}-invocation workgroups, folded into two dimensions), `r = at / P.I` its row;
 * `body` runs for `at < count` only.
 */
function elementwiseMain(count: string, body: string): string {
  return /* wgsl */ `
@compute @workgroup_size(${ELEMENTWISE_GROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let at = gid.x + gid.y * ng.x * ${ELEMENTWISE_GROUP}u;
  if (at >= ${count}) { return; }
  let r = at / P.I;${body}}
`;
}

/**
 * How a kernel reads a matrix of weights: `float32` (`array<f32>`), `float16` (halves packed two per u32,
 * the lower first, widened exactly with WGSL's `unpack2x16float`), or `shader-f16` (the same bytes bound
 * as `array<f16>`, widened with `f32(x)`; needs the `shader-f16` feature).
 */
export type WeightStorage = 'float32' | 'float16' | 'shader-f16';

/** The WGSL function `name(i: u32) -> f32` reading element `i` of the weight binding `binding`. */
function weightReader(storage: WeightStorage, name: string, binding: string): string {
  if (storage === 'float16')
    return /* wgsl */ `
fn ${name}(i: u32) -> f32 {
  let pair = unpack2x16float(${binding}[i >> 1u]);
  return select(pair.x, pair.y, (i & 1u) == 1u);
}
`;
  if (storage === 'shader-f16')
    return /* wgsl */ `
fn ${name}(i: u32) -> f32 { return f32(${binding}[i]); }
`;
  return /* wgsl */ `
fn ${name}(i: u32) -> f32 { return ${binding}[i]; }
`;
}

/** The binding of a weight matrix stored as `storage`. */
const weightBinding = (storage: WeightStorage) =>
  storage === 'float16' ? read('array<u32>') : storage === 'shader-f16' ? read('array<f16>') : read();

/** Key suffix of a weight storage. */
const STORAGE_KEY: Record<WeightStorage, string> = { float32: '', float16: '-f16', 'shader-f16': '-shader-f16' };

/**
 * `y = act(x·wᵀ + bias)` or `y += x·wᵀ + bias`, with `w` stored as `storage`. `P.act`: 0 none, 1 ReLU,
 * 2 GELU (tanh form).
 */
function linearSource(storage: WeightStorage) {
  return kernelSource(
    `linear${STORAGE_KEY[storage]}`,
    {
      P: uniform('Params', { R: 'u32', I: 'u32', O: 'u32', accumulate: 'u32', act: 'u32' }),
      x: read(),
      w: weightBinding(storage),
      bias: read(),
      y: readWrite(),
    },
    (declarations) => /* wgsl */ `${enableF16(storage === 'shader-f16')}${declarations}
var<workgroup> xs: array<f32, 256>;
var<workgroup> ws: array<f32, 256>;
${weightReader(storage, 'weight', 'w')}
fn gelu(v: f32) -> f32 {
  let u = 0.7978845608028654 * (v + 0.044715 * v * v * v);
  let t = exp(-2.0 * abs(u));
  return 0.5 * v * (1.0 + sign(u) * (1.0 - t) / (1.0 + t));
}

@compute @workgroup_size(16, 16)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>) {
  let row = wg.y * 16u + lid.y;
  let col = wg.x * 16u + lid.x;
  let wr = wg.x * 16u + lid.y;
  var sum = 0.0;
  for (var i0 = 0u; i0 < P.I; i0 += 16u) {
    let xi = i0 + lid.x;
    xs[lid.y * 16u + lid.x] = select(0.0, x[min(row, P.R - 1u) * P.I + min(xi, P.I - 1u)], row < P.R && xi < P.I);
    ws[lid.y * 16u + lid.x] = select(0.0, weight(min(wr, P.O - 1u) * P.I + min(xi, P.I - 1u)), wr < P.O && xi < P.I);
    workgroupBarrier();
    for (var t = 0u; t < 16u; t++) { sum += xs[lid.y * 16u + t] * ws[lid.x * 16u + t]; }
    workgroupBarrier();
  }
  if (row < P.R && col < P.O) {
    var v = sum + bias[col];
    if (P.act == 1u) { v = max(v, 0.0); }
    if (P.act == 2u) { v = gelu(v); }
    let at = row * P.O + col;
    if (P.accumulate != 0u) { v += y[at]; }
    y[at] = v;
  }
}
`,
  );
}

/** {@link linearSource} on float32 weights. */
export const linearKernel = linearSource('float32');
/** {@link linearSource} on float16 weights, packed. */
export const linearHalfKernel = linearSource('float16');
/** {@link linearSource} on float16 weights bound as `array<f16>` (`shader-f16`). */
export const linearShaderF16Kernel = linearSource('shader-f16');

/** Layer norm of R rows of I features from x into y. Rows: workgroup x + y · groups in x. */
export const layerNormKernel = kernelSource(
  'layer-norm',
  {
    P: uniform('Params', { R: 'u32', I: 'u32', eps: 'f32' }),
    x: read(),
    gamma: read(),
    beta: read(),
    y: readWrite(),
  },
  (declarations) => /* wgsl */ `${declarations}
${workgroupReductions(64, ['sum'])}
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>, @builtin(num_workgroups) ng: vec3<u32>) {
  let row = wg.x + wg.y * ng.x;
  let live = row < P.R;
  let base = min(row, P.R - 1u) * P.I;
  var s = 0.0;
  for (var c = lid; c < P.I; c += 64u) { s += x[base + c]; }
  let mean = reduceSum(lid, s) / f32(P.I);
  var q = 0.0;
  for (var c = lid; c < P.I; c += 64u) {
    let e = x[base + c] - mean;
    q += e * e;
  }
  let inv = inverseSqrt(reduceSum(lid, q) / f32(P.I) + P.eps);
  if (live) {
    for (var c = lid; c < P.I; c += 64u) { y[base + c] = (x[base + c] - mean) * inv * gamma[c] + beta[c]; }
  }
}
`,
);

/** `h += table` row by row (R rows of I = d columns, table period S), the table stored as `storage`. */
function addRowsSource(storage: WeightStorage) {
  return kernelSource(
    `add-rows${STORAGE_KEY[storage]}`,
    {
      P: uniform('Params', { R: 'u32', I: 'u32', S: 'u32' }),
      table: weightBinding(storage),
      h: readWrite(),
    },
    (declarations) => /* wgsl */ `${enableF16(storage === 'shader-f16')}${declarations}
${weightReader(storage, 'tableAt', 'table')}
${elementwiseMain(
  'P.R * P.I',
  /* wgsl */ `
  h[at] = h[at] + tableAt((r % P.S) * P.I + at % P.I);
`,
)}`,
  );
}

/** {@link addRowsSource} on a float32 table. */
export const addRowsKernel = addRowsSource('float32');
/** {@link addRowsSource} on a float16 table, packed. */
export const addRowsHalfKernel = addRowsSource('float16');
/** {@link addRowsSource} on a float16 table bound as `array<f16>` (`shader-f16`). */
export const addRowsShaderF16Kernel = addRowsSource('shader-f16');

/** proj (R = B·S rows, I = (H + 2·Hkv)·Dh) into q, k, v, RoPE from trig (cos then sin, [S, Dh/2] each) when `P.rope`. */
export const splitHeadsKernel = kernelSource(
  'split-heads',
  {
    P: uniform('Params', { R: 'u32', I: 'u32', S: 'u32', H: 'u32', Hkv: 'u32', Dh: 'u32', rope: 'u32' }),
    proj: read(),
    trig: read(),
    q: readWrite(),
    k: readWrite(),
    v: readWrite(),
  },
  (declarations) => /* wgsl */ `${declarations}
${elementwiseMain(
  'P.R * P.I',
  /* wgsl */ `
  let c = at % P.I;
  let b = r / P.S;
  let s = r % P.S;
  let head = c / P.Dh;
  let i = c % P.Dh;
  var val = proj[at];
  let isV = head >= P.H + P.Hkv;
  if (P.rope != 0u && !isV) {
    let half = P.Dh / 2u;
    let t = s * half + i % half;
    let cs = trig[t];
    let sn = trig[P.S * half + t];
    if (i < half) { val = val * cs - proj[at + half] * sn; } else { val = proj[at - half] * sn + val * cs; }
  }
  if (head < P.H) {
    q[((b * P.H + head) * P.S + s) * P.Dh + i] = val;
  } else if (!isV) {
    k[((b * P.Hkv + head - P.H) * P.S + s) * P.Dh + i] = val;
  } else {
    v[((b * P.Hkv + head - P.H - P.Hkv) * P.S + s) * P.Dh + i] = val;
  }
`,
)}`,
);

/** Mean of h `[B, S, I = d]` over each sequence's valid rows (lengths, u32 per batch) into out `[B, d]` (row r = batch). */
export const meanPoolKernel = kernelSource(
  'mean-pool',
  {
    P: uniform('Params', { B: 'u32', S: 'u32', I: 'u32' }),
    lengths: read('array<u32>'),
    h: read(),
    out: readWrite(),
  },
  (declarations) => /* wgsl */ `${declarations}
${elementwiseMain(
  'P.B * P.I',
  /* wgsl */ `
  let c = at % P.I;
  let n = lengths[r];
  var acc = 0.0;
  for (var s = 0u; s < n; s++) { acc += h[(r * P.S + s) * P.I + c]; }
  out[at] = acc / f32(n);
`,
)}`,
);

/** Rows of y `[B, S, I = C]` at or past each sequence's length (lengths, u32 per batch) become 0. */
export const zeroRowsKernel = kernelSource(
  'zero-rows',
  {
    P: uniform('Params', { B: 'u32', S: 'u32', I: 'u32' }),
    lengths: read('array<u32>'),
    y: readWrite(),
  },
  (declarations) => /* wgsl */ `${declarations}
${elementwiseMain(
  'P.B * P.S * P.I',
  /* wgsl */ `
  if (r % P.S >= lengths[r / P.S]) { y[at] = 0.0; }
`,
)}`,
);

/**
 * float16 storage: `y[at]` is half `at` of `x` (two halves per u32, the lower first), widened exactly with
 * WGSL's `unpack2x16float`.
 */
export const widenHalvesKernel = kernelSource(
  'widen-halves',
  {
    P: uniform('Params', { n: 'u32', I: 'u32' }),
    x: read('array<u32>'),
    y: readWrite(),
  },
  (declarations) => /* wgsl */ `${declarations}
${elementwiseMain(
  'P.n',
  /* wgsl */ `
  let pair = unpack2x16float(x[at / 2u]);
  y[at] = select(pair.x, pair.y, (at & 1u) == 1u);
`,
)}`,
);

/**
 * float16 storage: word `at` of `y` packs `x[2·at]` and `x[2·at + 1]` (0 past the end) as halves, rounded
 * to nearest, ties to even, with integer operations, as core narrows on the CPU (WGSL leaves the rounding
 * direction of `pack2x16float` to the implementation). Values must be finite and within ±65504, which
 * attention outputs are: each is a weighted mean of value rows that core checked are halves.
 */
export const narrowHalvesKernel = kernelSource(
  'narrow-halves',
  {
    P: uniform('Params', { n: 'u32', words: 'u32', I: 'u32' }),
    x: read(),
    y: readWrite('array<u32>'),
  },
  (declarations) => /* wgsl */ `${declarations}
${TO_HALF_WGSL}
${elementwiseMain(
  'P.words',
  /* wgsl */ `
  let i = at * 2u;
  let hi = select(0u, toHalf(x[i + 1u]), i + 1u < P.n);
  y[at] = toHalf(x[i]) | (hi << 16u);
`,
)}`,
);

/**
 * Every encoder kernel of this module (the binding-table test walks them all; the shader-f16 ones need a
 * device with that feature to compile).
 */
export const ENCODER_KERNELS: readonly KernelSource[] = [
  linearKernel,
  linearHalfKernel,
  linearShaderF16Kernel,
  layerNormKernel,
  addRowsKernel,
  addRowsHalfKernel,
  addRowsShaderF16Kernel,
  splitHeadsKernel,
  meanPoolKernel,
  zeroRowsKernel,
  widenHalvesKernel,
  narrowHalvesKernel,
];
