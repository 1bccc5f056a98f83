#!/usr/bin/env node
// Time per attention call, in one run: tfjs-wasm (default strategy, and batched only), tfjs-cpu and
// backend-ts (and any other attnkit plugin module given with --with, e.g. the ONNX Runtime backend). Same inputs for every backend; each timing is
// the median of several calls after one warm-up call. Ratios are relative to tfjs-wasm.
//
// Usage (after building this package and its dependencies):
//   node scripts/compare.mjs [--sizes 128,512] [--heads 8] [--dim 64] [--options plain,causal]
//                            [--with ../backend-onnx/dist/index.js]
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createTsBackend } from '@attnkit/backend-ts';
import { createTfjsBackend } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '128,512' },
    heads: { type: 'string', default: '8' },
    dim: { type: 'string', default: '64' },
    options: { type: 'string', default: 'plain,causal' },
    with: { type: 'string', multiple: true, default: [] },
    budget: { type: 'string', default: '1500' },
  },
});

const H = Number(values.heads),
  D = Number(values.dim),
  budgetMs = Number(values.budget);
const OPTIONS = {
  plain: {},
  causal: { causal: true },
  window: { window: { left: 64, right: 64 } },
  'key-lengths': { keyLengths: new Int32Array([0]) }, // filled per size below
};

/** @type {[string, import('@attnkit/core').Backend][]} */
const backends = [
  ['tfjs-wasm', await createTfjsBackend({ backend: 'wasm' })],
  ['tfjs-wasm-batched', await createTfjsBackend({ backend: 'wasm', strategy: 'batched' })],
  ['tfjs-cpu', await createTfjsBackend({ backend: 'cpu' })],
  ['ts', createTsBackend()],
];
for (const path of values.with) {
  const mod = await import(pathToFileURL(resolve(path)).href);
  const plugin = mod.plugin ?? mod.default;
  backends.push([plugin.name, await plugin.create()]);
}

function random(n, seed) {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 16807) % 2147483647;
    a[i] = x / 2147483647 - 0.5;
  }
  return a;
}

async function time(backend, q, k, v, opts) {
  await backend.attention(q, k, v, opts); // warm-up
  const times = [];
  const start = performance.now();
  while (times.length < 3 || (performance.now() - start < budgetMs && times.length < 50)) {
    const t0 = performance.now();
    await backend.attention(q, k, v, opts);
    times.push(performance.now() - t0);
    if (times.length >= 2 && performance.now() - start > 4 * budgetMs) break; // very slow backends
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

console.log(
  `attention forward, B=1, H=${H}, D=${D}, float32; median ms per call (ratio to tfjs-wasm; GFLOP/s = 4·H·N²·D / time)`,
);
for (const backend of backends) console.log(`  ${backend[0]}: ${JSON.stringify(backend[1].info)}`);
for (const N of values.sizes.split(',').map(Number)) {
  const shape = [1, H, N, D];
  const q = { shape, data: random(H * N * D, 1) },
    k = { shape, data: random(H * N * D, 2) },
    v = { shape, data: random(H * N * D, 3) };
  for (const optName of values.options.split(',')) {
    const opts = optName === 'key-lengths' ? { keyLengths: new Int32Array([Math.ceil(N / 2)]) } : OPTIONS[optName];
    const row = [];
    let reference;
    for (const [name, backend] of backends) {
      const ms = await time(backend, q, k, v, opts);
      reference ??= ms;
      const gflops = (4 * H * N * N * D) / (ms * 1e6);
      row.push(`${name} ${ms.toFixed(2)} ms (${(ms / reference).toFixed(2)}x, ${gflops.toFixed(2)} GFLOP/s)`);
    }
    console.log(`N=${N} ${optName}: ${row.join(' | ')}`);
  }
}
for (const [, backend] of backends) await backend.dispose();
