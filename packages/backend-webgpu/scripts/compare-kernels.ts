/**
 * Fused (flash-style) attention vs the three-pass kernel (scores, softmax, weighted sum), on the same
 * device in one run, for S ∈ {128, 256, 512} (B 1, H 4, D 64 by default), without and with causal
 * masking, and the other fused variant (with or without subgroup lanes) for reference. One table row per case: the
 * median of the timed runs (after a warm-up run that compiles the pipelines; the kernels alternate run
 * by run, so changes in machine load hit them alike), GFLOP/s counted as 4·B·H·S²·D for every kernel,
 * and the three-pass / fused time ratio.
 *
 *   npx tsx scripts/compare-kernels.ts [--sizes 128,256,512] [--heads 4] [--dim 64] [--reps 3]
 *
 * A timing script, not a test: run it on an otherwise idle machine.
 */
import { parseArgs } from 'node:util';
import { makeInputs } from '@attnkit/conformance';
import { GpuContext } from '../src/gpu-context.js';
import { createWebGpuBackend, nodeGpu, summarizeAdapter, describeAdapter } from '../src/node.js';
import { fullDeviceDescriptor } from '../src/test-device-request.js';
import { fusedShape } from '../src/variants.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '128,256,512' },
    heads: { type: 'string', default: '4' },
    dim: { type: 'string', default: '64' },
    reps: { type: 'string', default: '3' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const H = Number(values.heads),
  D = Number(values.dim),
  reps = Number(values.reps);

const gpu = await nodeGpu();
const adapter = await gpu.requestAdapter();
if (!adapter) throw new Error('no WebGPU adapter (see scripts/setup-system.sh)');
const summary = summarizeAdapter(adapter);
const device = await adapter.requestDevice(fullDeviceDescriptor(adapter));
const fused = await createWebGpuBackend({ device, kernel: 'fused' });
const threePass = await createWebGpuBackend({ device, kernel: 'three-pass' });
const other = await createWebGpuBackend({ device, kernel: 'fused', subgroups: summary.fallback });
const profile = new GpuContext(device, { software: summary.fallback, subgroupMinSize: summary.subgroups?.[0] ?? 0 })
  .profile;
const tile = fusedShape(profile, D, D, 2)!;
const otherTile = fusedShape(profile, D, D, 2, summary.fallback)!;
console.log(`adapter: ${describeAdapter(summary)}`);
console.log(
  `fused variant for D ${D}: ${tile.tq} rows × ${tile.lanes} lanes per workgroup, ${tile.tk} keys per tile, workgroup storage ${4 * tile.tk * (tile.dk + tile.dv)} bytes`,
);
console.log(`other fused variant (last column): ${otherTile.tq} rows × ${otherTile.lanes} lanes per workgroup`);
console.log(`B 1, H ${H}, D ${D}, median of ${reps} runs after a warm-up\n`);
console.log(
  '| S | causal | fused ms | three-pass ms | fused GFLOP/s | three-pass GFLOP/s | three-pass / fused | other fused variant ms |',
);
console.log('|---|---|---|---|---|---|---|---|');

/** Median ms of each runner; the runners alternate so a change in machine load hits them alike. */
async function timeAll(runs: (() => Promise<unknown>)[]): Promise<number[]> {
  for (const run of runs) await run();
  const t: number[][] = runs.map(() => []);
  for (let r = 0; r < reps; r++) {
    for (let n = 0; n < runs.length; n++) {
      const t0 = performance.now();
      await runs[n]!();
      t[n]!.push(performance.now() - t0);
    }
  }
  return t.map((x) => x.sort((a, b) => a - b)[Math.floor(x.length / 2)]!);
}

for (const S of sizes) {
  const { q, k, v } = makeInputs({ B: 1, Hq: H, Hkv: H, Sq: S, Sk: S, Dk: D, Dv: D }, S);
  for (const causal of [false, true]) {
    const [a, b, c] = (await timeAll(
      [fused, threePass, other].map((be) => () => be.attention(q, k, v, { causal })),
    )) as [number, number, number];
    const gflop = (4 * H * S * S * D) / 1e9;
    console.log(
      `| ${S} | ${causal ? 'yes' : 'no'} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(gflop / (a / 1000)).toFixed(3)} | ${(gflop / (b / 1000)).toFixed(3)} | ${(b / a).toFixed(2)} | ${c.toFixed(1)} |`,
    );
  }
}
await fused.dispose();
await threePass.dispose();
await other.dispose();
device.destroy();
