// Overhead of the backend over ONNX Runtime itself, B=1, H=8, D=64 (no mask unless --causal), all figures
// from one run. Engines:
//   peer        the graph a user writes without attnkit: the standard `Attention` operator (opset 23) with
//               static shapes [B, H, S, D], default scale, session options { graphOptimizationLevel: 'all' }
//               (plus intraOpNumThreads with --threads); as the bench's `ort-attention` peer builds it
//   direct      the backend's own graph for the same signature (opset 24, symbolic dimensions, and the sum
//               of the inputs that replaces a JavaScript scan for NaN), run directly with the backend's
//               session options
//   backend     backend.attention(q, k, v): core's validation, then this package's kernel
//   kernel      this package's kernel alone on an already validated problem (plan, cached session, run)
//   validation  core's prepareAttention as the backend calls it (shapes and options; the inputs' finiteness
//               is checked from the graph's sum)
//   scan        the JavaScript scan of q, k, v for NaN that the graph's sum replaces (for reference)
// Each engine is timed in blocks of consecutive calls (interleaving calls of several sessions makes their
// intra-op thread pools compete on a small machine, which measures contention, not overhead); the blocks
// are rotated `--reps` times. Times are the medians of the block medians; each ratio is the median over
// the rotations of the ratio of the two engines' block medians in that rotation (blocks seconds apart
// share the machine's state: on a shared host, whole blocks can run twice as slow, whichever the engine,
// and pairing keeps that out of the ratios). Before the first length, the
// peer runs for a second: a fresh process runs ONNX Runtime noticeably slower for its first few hundred
// milliseconds of calls (about 1.2 ms instead of 0.3 ms at S=128 on a 2-core machine), whichever session.
//
//   pnpm --filter @attnkit/backend-onnx overhead            (builds, then measures)
//   node scripts/overhead.mjs --lengths 128,512,2048 --reps 15 --threads 2 [--causal] [--no-arena]
//                             [--engines peer,backend] [--verbose (every block's median)]
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { expectFiniteInputs, prepareAttention } from '@attnkit/core';
import { createOnnxBackend } from '../dist/index.js';
import { attentionGraph } from '../dist/attention-graph.js';
import { planAttention } from '../dist/attention-plan.js';
import { runAttention } from '../dist/attention-kernel.js';
import { DType, GraphBuilder, int } from '../dist/onnx-builder.js';
import { resolveOptions } from '../dist/runtime.js';
import { SessionCache } from '../dist/session-cache.js';

const { values } = parseArgs({
  options: {
    lengths: { type: 'string', default: '128,512,2048' },
    reps: { type: 'string', default: '15' },
    rounds: { type: 'string' },
    threads: { type: 'string' },
    causal: { type: 'boolean', default: false },
    'no-arena': { type: 'boolean', default: false },
    engines: { type: 'string', default: 'peer,direct,backend,kernel,validation,scan' },
    verbose: { type: 'boolean', default: false },
  },
});
const H = 8,
  D = 64,
  B = 1;
const lengths = values.lengths.split(',').map(Number);
const reps = Number(values.reps);
const options = {
  ...(values.threads ? { threads: Number(values.threads) } : {}),
  ...(values['no-arena'] ? { memoryArena: false } : {}),
};
const attnOptions = values.causal ? { causal: true } : {};
const sessionOptions = resolveOptions(options).session;
const peerOptions = {
  graphOptimizationLevel: 'all',
  ...(values.threads ? { intraOpNumThreads: Number(values.threads) } : {}),
};
const backend = await createOnnxBackend(options);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const random = (n, seed) => {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
};

/** The bench-style peer graph: `Attention` (opset 23), static shapes, default scale. */
function peerGraph(S) {
  const g = new GraphBuilder('peer_attention');
  const dims = [B, H, S, D];
  for (const name of ['Q', 'K', 'V']) g.input(name, DType.float, dims);
  g.opN('Attention', ['Q', 'K', 'V'], 1, values.causal ? { is_causal: int(1) } : {}, ['Y']);
  g.output('Y', DType.float, dims);
  return g.encode(23);
}

/** Runs `fn` for at least `ms` milliseconds and `runs` calls. */
async function warm(fn, runs, ms) {
  const t0 = performance.now();
  for (let i = 0; i < runs || performance.now() - t0 < ms; i++) await fn();
}

console.log(
  `attention overhead, B=${B} H=${H} D=${D}${values.causal ? ' causal' : ''}, ONNX Runtime ${ort.env.versions.node}, threads ${sessionOptions.intraOpNumThreads ?? 'default'}${values['no-arena'] ? ', no memory arena' : ''}, ${reps} blocks per engine`,
);
console.log(
  [
    'S',
    'peer ms',
    'direct ms',
    'backend ms',
    'kernel ms',
    'validation ms',
    'scan ms',
    'backend/peer',
    'backend/direct',
    'kernel/direct',
    'direct/peer',
    'GFLOP/s (backend)',
  ].join('\t'),
);
const cache = new SessionCache(4);
let first = true;
for (const S of lengths) {
  const shape = [B, H, S, D];
  const q = { shape, data: random(B * H * S * D, 1) };
  const k = { shape, data: random(B * H * S * D, 2) };
  const v = { shape, data: random(B * H * S * D, 3) };
  const tensors = () => ({
    Q: new ort.Tensor('float32', q.data, shape),
    K: new ort.Tensor('float32', k.data, shape),
    V: new ort.Tensor('float32', v.data, shape),
  });
  const peerSession = await ort.InferenceSession.create(peerGraph(S), peerOptions);
  // The validated problem, and the backend's own graph and feeds for it, run directly.
  const problem = prepareAttention(q, k, v, attnOptions);
  const plan = planAttention(problem);
  const session = await ort.InferenceSession.create(attentionGraph(plan.signature), sessionOptions);
  const fns = {
    peer: async () => (await peerSession.run(tensors())).Y.data,
    direct: async () => {
      const feeds = {};
      for (const f of plan.feeds) feeds[f.name] = new ort.Tensor(f.type, f.data, f.dims);
      return (await session.run(feeds, ['Y', 'input_sum'])).Y.data;
    },
    backend: async () => (await backend.attention(q, k, v, attnOptions)).output.data,
    kernel: async () => (await runAttention(ort, cache, sessionOptions, problem)).output,
    validation: async () => prepareAttention(q, k, v, attnOptions, { finiteInputs: false }),
    scan: async () => expectFiniteInputs(q, k, v, attnOptions),
  };
  if (first) await warm(fns.peer, 10, 1000);
  first = false;
  const rounds = Number(values.rounds ?? (S <= 128 ? 50 : S <= 512 ? 10 : 3));
  const blocks = Object.fromEntries(Object.keys(fns).map((n) => [n, []]));
  const names = values.engines.split(',').filter((n) => n in fns);
  for (let r = 0; r < reps; r++) {
    // Rotate the order so that no engine always follows the same one.
    for (const name of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
      const fn = fns[name];
      await warm(fn, 3, 30);
      const times = [];
      for (let i = 0; i < rounds; i++) {
        const t0 = performance.now();
        await fn();
        times.push(performance.now() - t0);
      }
      blocks[name].push(median(times));
    }
  }
  if (values.verbose)
    for (const n of names) console.log(`  ${n} block medians (ms): ${blocks[n].map((x) => x.toFixed(3)).join(' ')}`);
  const m = Object.fromEntries(Object.keys(fns).map((n) => [n, names.includes(n) ? median(blocks[n]) : NaN]));
  /** Median over the rotations of a's block median over b's in the same rotation. */
  const ratio = (a, b) =>
    names.includes(a) && names.includes(b) ? median(blocks[a].map((x, r) => x / blocks[b][r])) : NaN;
  const f = (x, digits = 3) => x.toFixed(digits);
  console.log(
    [
      S,
      f(m.peer),
      f(m.direct),
      f(m.backend),
      f(m.kernel),
      f(m.validation),
      f(m.scan),
      f(ratio('backend', 'peer')),
      f(ratio('backend', 'direct')),
      f(ratio('kernel', 'direct')),
      f(ratio('direct', 'peer')),
      f((4 * B * H * S * S * D) / m.backend / 1e6, 1),
    ].join('\t'),
  );
  await session.release();
  await peerSession.release();
}
await backend.dispose();
await cache.dispose();
