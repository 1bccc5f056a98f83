#!/usr/bin/env node
/**
 * float16 on a real GPU, on both roads: runs the float16 conformance cases (attention and models) with
 * `float16: 'auto'` (the `shader-f16` road where the adapter has the feature) and `float16: 'packed'`,
 * checks that the two roads return the same halves for the same calls, and prints GFLOP/s of float16
 * attention on each road (float32 beside them).
 *
 *   pnpm build && node packages/backend-webgpu/scripts/f16-device-check.mjs [--reps 5] [--sizes 1024,4096]
 *
 * GFLOP/s = 4·B·H·S²·D / time (B 1, H 8, D 64, no mask; uploads and the read-back included; median of the
 * reps after a warm-up). Exits 1 when a conformance case fails on either road.
 */
import { toFloat16 } from '@attnkit/core';
import { float16Cases, makeInputs, modelFloat16Cases, runCases } from '@attnkit/conformance';
import { createWebGpuBackend, nodeGpu } from '@attnkit/backend-webgpu/node';

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const reps = Number(arg('reps', '5'));
const sizes = arg('sizes', '1024,4096').split(',').map(Number);

const gpu = await nodeGpu();
const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
if (!adapter) throw new Error('no WebGPU adapter');
const shaderF16 = adapter.features.has('shader-f16');
console.log(`adapter: ${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.trim());
console.log(`shader-f16: ${shaderF16 ? 'yes' : 'no (both runs take the packed road)'}`);

const cases = [...float16Cases(), ...modelFloat16Cases()];
const shape = { B: 2, Hq: 4, Hkv: 2, Sq: 33, Sk: 47, Dk: 64, Dv: 48 };
const f32 = makeInputs(shape, 11);
const [q, k, v] = [f32.q, f32.k, f32.v].map(toFloat16);
const agreementCalls = [
  {},
  { causal: true },
  { window: { left: 5, right: 2 }, softcap: 8 },
  { attentionMap: 'probs' },
  { outputDtype: 'float32' },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeAttention(backend, S, half) {
  const B = 1,
    H = 8,
    D = 64;
  const inputs = makeInputs({ B, Hq: H, Hkv: H, Sq: S, Sk: S, Dk: D, Dv: D }, S);
  const [tq, tk, tv] = half ? [inputs.q, inputs.k, inputs.v].map(toFloat16) : [inputs.q, inputs.k, inputs.v];
  await backend.attention(tq, tk, tv);
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await backend.attention(tq, tk, tv);
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  return { ms, gflops: (4 * B * H * S * S * D) / (ms * 1e6) };
}

let failed = 0;
const outputs = {};
for (const road of ['auto', 'packed']) {
  const backend = await createWebGpuBackend({ gpu, float16: road });
  const taken = backend.info.float16;
  console.log(`\nfloat16: '${road}' -> road ${taken}; fused tile at D 64: ${backend.info.fusedTileAtD64}`);
  const outcomes = await runCases(backend, cases);
  const bad = outcomes.filter((o) => o.status === 'failed');
  failed += bad.length;
  const passed = outcomes.filter((o) => o.status === 'passed').length;
  const skipped = outcomes.filter((o) => o.status === 'skipped').length;
  console.log(`conformance: ${passed} passed, ${bad.length} failed, ${skipped} skipped of ${outcomes.length}`);
  for (const o of bad) console.log(`  FAILED ${o.id}: ${o.detail}`);
  outputs[road] = [];
  for (const options of agreementCalls) outputs[road].push((await backend.attention(q, k, v, options)).output.data);
  for (const S of sizes) {
    const h = await timeAttention(backend, S, true);
    const f = await timeAttention(backend, S, false);
    console.log(
      `S ${S}: float16 ${h.ms.toFixed(2)} ms, ${h.gflops.toFixed(1)} GFLOP/s; float32 ${f.ms.toFixed(2)} ms, ${f.gflops.toFixed(1)} GFLOP/s`,
    );
  }
  await backend.dispose();
}

// Both roads compute the same float32 values and narrow them with the same rounding: the same halves.
let differing = 0,
  total = 0;
for (let c = 0; c < agreementCalls.length; c++) {
  const a = outputs.auto[c],
    b = outputs.packed[c];
  total += a.length;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differing++;
}
console.log(
  `\nroads agree: ${total - differing} of ${total} outputs identical (${differing} differ)${shaderF16 ? '' : '; both runs took the packed road, so this compares the packed road with itself'}`,
);
if (failed > 0) {
  console.log(`${failed} conformance case(s) failed`);
  process.exit(1);
}
