#!/usr/bin/env node
// One decode step through a key/value cache on tfjs-wasm, two roads, all figures from one run
// (H32, Hkv 8, D128, capacity 4096, one query, causal):
//   resident   backend.attention with a cache: the storage in JavaScript arrays, each step handing tfjs the
//              rows the cache holds
//   generic    the same kernels without `resident` and `residentAttention` (core's generic road): the
//              cache in core's arrays, each step handing the array road the whole storage, masked past
//              the held rows
// Each road runs in blocks of consecutive steps, rotated `--reps` times; times are the medians of the
// block medians, the ratio the median over the rotations of resident / generic in each. Each road starts
// from V − 1 − reps·block rows held, so it ends at V − 1.
//
// Usage (after building this package and its dependencies):
//   node scripts/decode.mjs [--held 256,1024,2048] [--reps 3] [--block 3]
import { parseArgs } from 'node:util';
import { defineBackend } from '@attnkit/core';
import { createTfjsBackend, tfjsCapabilities } from '../dist/index.js';
import { attentionKernel, CHUNK_ELEMENTS } from '../dist/attention-kernel.js';

const { values } = parseArgs({
  options: {
    held: { type: 'string', default: '256,1024,2048' },
    reps: { type: 'string', default: '3' },
    block: { type: 'string', default: '3' },
  },
});
const [Hq, Hkv, D, C] = [32, 8, 128, 4096];
const resident = await createTfjsBackend({ backend: 'wasm' });
const settings = { strategy: 'auto', chunkElements: CHUNK_ELEMENTS };
const generic = defineBackend({
  name: 'tfjs-generic',
  capabilities: tfjsCapabilities,
  attention: (p) => attentionKernel('wasm', p, settings),
});
const roads = { resident, generic };
const caches = {
  resident: await resident.createCache({ kvHeads: Hkv, keyDim: D, capacity: C }),
  generic: await generic.createCache({ kvHeads: Hkv, keyDim: D, capacity: C }),
};
const rows = (heads, n, f) => ({
  shape: [1, heads, n, D],
  data: Float32Array.from({ length: heads * n * D }, (_, i) => f(i)),
});
const step = (road) => () =>
  roads[road].attention(rows(Hq, 1, Math.sin), rows(Hkv, 1, Math.cos), rows(Hkv, 1, Math.sin), {
    cache: caches[road],
    causal: true,
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function block(run) {
  const times = [];
  for (let i = 0; i < Number(values.block); i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return median(times);
}

console.log(`tfjs-wasm, H${Hq} Hkv${Hkv} D${D}, capacity ${C}`);
console.log('held V | resident ms | generic ms | resident / generic');
for (const V of values.held.split(',').map(Number)) {
  const start = V - 1 - Number(values.reps) * Number(values.block);
  for (const road of ['resident', 'generic']) {
    const cache = caches[road];
    cache.reset();
    for (let at = 0; at < start - 1; at += 128) {
      const n = Math.min(128, start - 1 - at);
      await roads[road].attention(rows(Hq, n, Math.sin), rows(Hkv, n, Math.sin), rows(Hkv, n, Math.cos), {
        cache,
        causal: true,
      });
    }
    await step(road)(); // warm-up, the last of the rows to start from
  }
  const blocks = { resident: [], generic: [] };
  for (let r = 0; r < Number(values.reps); r++)
    for (const road of ['resident', 'generic']) blocks[road].push(await block(step(road)));
  const ratio = median(blocks.resident.map((t, r) => t / blocks.generic[r]));
  console.log([V, median(blocks.resident).toFixed(1), median(blocks.generic).toFixed(1), ratio.toFixed(2)].join(' | '));
}
await resident.dispose();
await generic.dispose();
