// One decode step over a key/value cache on ONNX Runtime, three ways, all figures from one run. The cache's
// storage is [1, Hkv, C, D] holding V rows per head (H32, Hkv 8, D128, one query, causal):
//   single      the array road's graph (one `Attention` node) over the whole storage, the rows past V
//               masked by `nonpad_kv_seqlen` (what a cache call runs when V > C/2)
//   split       the head-split graph: one `Attention` node per key/value head over its V held rows, each a
//               tensor over that stretch of the storage (what a cache call runs when V <= C/2)
//   gqa         com.microsoft GroupQueryAttention with the storage as past and present at once (one
//               buffer, `seqlens_k`), as transformers.js runs it; onnxruntime-node hands preallocated
//               outputs back as fresh copies, so each step also copies the whole storage out
//   native      backend.attention with a cache: core appends, then the backend's resident road (the split
//               up to C/2, the single node beyond)
//   generic     the same through core's generic road: the backend's kernels without `resident` and
//               `residentAttention`, so the cache is core's JavaScript arrays and each step hands the whole
//               storage to the array road's graph (which also sums the squares of its inputs)
// The two backend engines append a row per step: they start from V − 1 − reps·block rows held, so they
// end at V − 1 (held rows move by at most that many over the measurement).
// Each engine runs in blocks of consecutive steps; the blocks are rotated `--reps` times. Times are the
// medians of the block medians; each ratio is the median over the rotations of the ratio of the two
// engines' block medians in that rotation.
//
//   pnpm --filter @attnkit/backend-onnx head-split            (builds, then measures)
//   node scripts/head-split.mjs --capacity 4096 --held 256,1024,2048,3072,4095 --reps 5 --threads 2
//                               [--engines single,split,gqa,native,generic]
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { defineBackend } from '@attnkit/core';
import { attentionGraph } from '../dist/attention-graph.js';
import { headSplitGraph } from '../dist/head-split-graph.js';
import { DType, float, GraphBuilder, int } from '../dist/onnx-builder.js';
import { onnxKernels } from '../dist/onnx-backend.js';
import { resolveOptions } from '../dist/runtime.js';

const { values } = parseArgs({
  options: {
    capacity: { type: 'string', default: '4096' },
    held: { type: 'string', default: '256,1024,2048,3072,4095' },
    reps: { type: 'string', default: '5' },
    block: { type: 'string', default: '5' },
    threads: { type: 'string', default: '2' },
    engines: { type: 'string', default: 'single,split,gqa,native,generic' },
  },
});
const [Hq, Hkv, D] = [32, 8, 128];
const C = Number(values.capacity);
const scale = 1 / Math.sqrt(D);
const sessionOptions = resolveOptions({ threads: Number(values.threads) }).session;
const engines = values.engines.split(',');

const storageK = Float32Array.from({ length: Hkv * C * D }, (_, i) => Math.sin(i * 0.01));
const storageV = Float32Array.from({ length: Hkv * C * D }, (_, i) => Math.cos(i * 0.01));
const q = Float32Array.from({ length: Hq * D }, (_, i) => Math.sin(i));
const tensor = (data, dims) => new ort.Tensor('float32', data, dims);

function gqaGraph() {
  const g = new GraphBuilder('gqa');
  const ins = [
    g.input('query', DType.float, [1, 1, Hq * D]),
    g.input('key', DType.float, [1, 1, Hkv * D]),
    g.input('value', DType.float, [1, 1, Hkv * D]),
    g.input('past_key', DType.float, [1, Hkv, 'C', D]),
    g.input('past_value', DType.float, [1, Hkv, 'C', D]),
    g.input('seqlens_k', DType.int32, [1]),
    g.input('total_sequence_length', DType.int32, []),
  ];
  const attrs = { num_heads: int(Hq), kv_num_heads: int(Hkv), scale: float(scale) };
  g.opN('GroupQueryAttention', ins, 3, attrs, ['Y', 'present_key', 'present_value'], 'com.microsoft');
  g.output('Y', DType.float, [1, 1, Hq * D]);
  g.output('present_key', DType.float, [1, Hkv, 'C', D]);
  g.output('present_value', DType.float, [1, Hkv, 'C', D]);
  return g.encode(24, { 'com.microsoft': 1 });
}

const single = await ort.InferenceSession.create(
  attentionGraph({
    scale,
    softcap: 0,
    causal: true,
    mask: 'none',
    nonpad: true,
    weights: 'none',
    half: 'none',
    sums: false,
  }),
  sessionOptions,
);
const split = await ort.InferenceSession.create(
  headSplitGraph({ scale, softcap: 0, causal: true, mask: 'none', heads: Hkv, maskGroups: 1 }),
  sessionOptions,
);
const gqa = engines.includes('gqa') ? await ort.InferenceSession.create(gqaGraph(), sessionOptions) : undefined;
const resolved = resolveOptions({ threads: Number(values.threads) });
const native = defineBackend(onnxKernels(ort, resolved).kernels);
const { kernels } = onnxKernels(ort, resolved);
const generic = defineBackend({ ...kernels, resident: undefined, residentAttention: undefined });
const caches = {
  native: await native.createCache({ kvHeads: Hkv, keyDim: D, capacity: C }),
  generic: await generic.createCache({ kvHeads: Hkv, keyDim: D, capacity: C }),
};
const rows = (heads, n, f) => ({
  shape: [1, heads, n, D],
  data: Float32Array.from({ length: heads * n * D }, (_, i) => f(i)),
});

/** Refills a backend engine's cache to `held` rows (in chunks of 256 queries). */
async function refill(backend, cache, held) {
  cache.reset();
  for (let at = 0; at < held; at += 256) {
    const n = Math.min(256, held - at);
    const [k, v] = [rows(Hkv, n, (i) => Math.sin(i * 0.01)), rows(Hkv, n, (i) => Math.cos(i * 0.01))];
    await backend.attention(rows(Hq, n, Math.sin), k, v, { cache, causal: true });
  }
}

/** One step of each engine with V rows held. */
function steps(V) {
  const splitFeeds = { Q: tensor(q, [1, Hq, 1, D]) };
  for (let h = 0; h < Hkv; h++) {
    splitFeeds[`K${h}`] = tensor(storageK.subarray(h * C * D, (h * C + V) * D), [1, 1, V, D]);
    splitFeeds[`V${h}`] = tensor(storageV.subarray(h * C * D, (h * C + V) * D), [1, 1, V, D]);
  }
  const [pk, pv] = [tensor(storageK, [1, Hkv, C, D]), tensor(storageV, [1, Hkv, C, D])];
  /** This step's key (or value): row V − 1 of every head, as GroupQueryAttention takes it [1, 1, Hkv·D]. */
  const newRow = (s) => {
    const out = new Float32Array(Hkv * D);
    for (let h = 0; h < Hkv; h++) out.set(s.subarray((h * C + V - 1) * D, (h * C + V) * D), h * D);
    return tensor(out, [1, 1, Hkv * D]);
  };
  return {
    single: () =>
      single.run(
        {
          Q: tensor(q, [1, Hq, 1, D]),
          K: pk,
          V: pv,
          nonpad_kv_seqlen: new ort.Tensor('int64', BigInt64Array.of(BigInt(V)), [1]),
        },
        ['Y'],
      ),
    split: () => split.run(splitFeeds, ['Y']),
    native: () =>
      native.attention(rows(Hq, 1, Math.sin), rows(Hkv, 1, Math.cos), rows(Hkv, 1, Math.sin), {
        cache: caches.native,
        causal: true,
      }),
    generic: () =>
      generic.attention(rows(Hq, 1, Math.sin), rows(Hkv, 1, Math.cos), rows(Hkv, 1, Math.sin), {
        cache: caches.generic,
        causal: true,
      }),
    gqa: () =>
      gqa.run(
        {
          query: tensor(q, [1, 1, Hq * D]),
          key: newRow(storageK),
          value: newRow(storageV),
          past_key: pk,
          past_value: pv,
          seqlens_k: new ort.Tensor('int32', Int32Array.of(V - 1), [1]),
          total_sequence_length: new ort.Tensor('int32', Int32Array.of(V), []),
        },
        { Y: tensor(new Float32Array(Hq * D), [1, 1, Hq * D]), present_key: pk, present_value: pv },
      ),
  };
}

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

console.log(
  `H${Hq} Hkv${Hkv} D${D}, capacity ${C}, ${values.threads} threads, ONNX Runtime ${ort.env.versions.node ?? ''}`,
);
const roads = engines.includes('native') && engines.includes('generic');
console.log(
  [
    'held V',
    ...engines.map((e) => `${e} ms`),
    ...engines.filter((e) => e !== 'single').map((e) => `${e} / single`),
    ...(roads ? ['native / generic'] : []),
  ].join(' | '),
);
for (const V of values.held.split(',').map(Number)) {
  const run = steps(V);
  const appended = Number(values.reps) * Number(values.block) + 1;
  for (const e of ['native', 'generic'])
    if (engines.includes(e)) await refill({ native, generic }[e], caches[e], V - appended);
  for (const e of engines) await run[e](); // warm-up
  const blocks = Object.fromEntries(engines.map((e) => [e, []]));
  for (let r = 0; r < Number(values.reps); r++) for (const e of engines) blocks[e].push(await block(run[e]));
  const ratio = (e, to = 'single') => median(blocks[e].map((t, r) => t / blocks[to][r])).toFixed(2);
  const cells = [
    V,
    ...engines.map((e) => median(blocks[e]).toFixed(2)),
    ...engines.filter((e) => e !== 'single').map((e) => ratio(e)),
    ...(roads ? [ratio('native', 'generic')] : []),
  ];
  console.log(cells.join(' | '));
}
await native.dispose();
await generic.dispose();
