/**
 * Tree reductions across one workgroup, for the kernels that give a row to a workgroup (layer norm, the
 * three-pass softmax).
 *
 * Shape legend: N invocations per workgroup (a power of two), `lid` the local invocation index, `red`
 * the workgroup array of N floats the reductions share.
 */

/** How the N partial values combine. */
export type Reduction = 'sum' | 'max';

const NAME: Record<Reduction, string> = { sum: 'reduceSum', max: 'reduceMax' };
const COMBINE: Record<Reduction, (a: string, b: string) => string> = {
  sum: (a, b) => `${a} + ${b}`,
  max: (a, b) => `max(${a}, ${b})`,
};

/**
 * WGSL: `var<workgroup> red: array<f32, N>` and, for each of `reductions`, `fn reduceSum(lid, v) -> f32`
 * or `fn reduceMax(lid, v) -> f32`, which give every invocation the sum or maximum of the N values `v`.
 * They hold barriers (and leave `red` free again): every invocation must call them, in uniform control flow.
 *
 * @example
 * ```ts
 * const wgsl = `${workgroupReductions(64, ['sum'])}
 * @compute @workgroup_size(64) fn main(@builtin(local_invocation_index) lid: u32) { let total = reduceSum(lid, x[lid]); }`;
 * ```
 */
export function workgroupReductions(n: number, reductions: readonly Reduction[]): string {
  if (!Number.isInteger(Math.log2(n)) || n < 2)
    throw new Error(`workgroupReductions: the workgroup size must be a power of two ≥ 2, got ${n}`);
  const fns = reductions.map(
    (r) => /* wgsl */ `
fn ${NAME[r]}(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var o = ${n / 2}u; o > 0u; o = o >> 1u) {
    if (lid < o) { red[lid] = ${COMBINE[r]('red[lid]', 'red[lid + o]')}; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}
`,
  );
  return `var<workgroup> red: array<f32, ${n}>;\n${fns.join('')}`;
}
