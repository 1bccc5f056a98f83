// Overhead of the backend over ONNX Runtime itself: attention through `backend.attention` versus the
// same graph (the backend's own, for the same signature) run directly with onnxruntime-node, with the
// same session options. B=1, H=8, D=64, S in {512, 2048} by default; the calls are interleaved and the
// medians (and minima, less sensitive to a busy machine) compared, all in one run. Columns:
//   direct      the graph run directly (tensors wrapping the inputs, session.run)
//   backend     backend.attention(q, k, v): core's validation, then this package's kernel
//   ratio       backend / direct (of medians; `min ratio` of minima)
//   kernel      this package's kernel alone on an already validated problem (plan, cached session, run)
//   validation  core's prepareAttention alone (shape checks and the finite check of q, k, v)
//
//   pnpm --filter @attnkit/backend-onnx overhead            (builds, then measures)
//   node scripts/overhead.mjs --lengths 512,2048 --rounds 30 --threads 2 [--causal] [--no-arena]
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { prepareAttention } from '@attnkit/core';
import { createOnnxBackend } from '../dist/index.js';
import { attentionGraph } from '../dist/attention-graph.js';
import { planAttention } from '../dist/attention-plan.js';
import { runAttention } from '../dist/attention-kernel.js';
import { resolveOptions } from '../dist/runtime.js';
import { SessionCache } from '../dist/session-cache.js';

const { values } = parseArgs({
  options: {
    lengths: { type: 'string', default: '512,2048' },
    rounds: { type: 'string' },
    threads: { type: 'string' },
    causal: { type: 'boolean', default: false },
    'no-arena': { type: 'boolean', default: false },
  },
});
const H = 8, D = 64, B = 1;
const lengths = values.lengths.split(',').map(Number);
const options = { ...(values.threads ? { threads: Number(values.threads) } : {}), ...(values['no-arena'] ? { memoryArena: false } : {}) };
const attnOptions = values.causal ? { causal: true } : {};
const sessionOptions = resolveOptions(options).session;
const backend = await createOnnxBackend(options);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const min = (xs) => Math.min(...xs);
const random = (n, seed) => {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 2 ** 32 - 0.5;
  }
  return a;
};

console.log(`attention overhead, B=${B} H=${H} D=${D}${values.causal ? ' causal' : ''}, ONNX Runtime ${ort.env.versions.node}, threads ${sessionOptions.intraOpNumThreads ?? 'default'}${values['no-arena'] ? ', no memory arena' : ''}`);
console.log(['S', 'direct ms', 'backend ms', 'ratio', 'min ratio', 'kernel ms', 'ratio', 'min ratio', 'validation ms', 'GFLOP/s'].join('\t'));
const cache = new SessionCache(4);
for (const S of lengths) {
  const shape = [B, H, S, D];
  const q = { shape, data: random(B * H * S * D, 1) };
  const k = { shape, data: random(B * H * S * D, 2) };
  const v = { shape, data: random(B * H * S * D, 3) };
  // The backend's own graph and feeds for this call, run directly.
  const plan = planAttention(prepareAttention(q, k, v, attnOptions));
  const session = await ort.InferenceSession.create(attentionGraph(plan.signature), sessionOptions);
  const direct = async () => {
    const feeds = {};
    for (const f of plan.feeds) feeds[f.name] = new ort.Tensor(f.type, f.data, f.dims);
    const out = await session.run(feeds, ['Y']);
    return out.Y.data;
  };
  const viaBackend = async () => (await backend.attention(q, k, v, attnOptions)).output.data;
  const validate = async () => prepareAttention(q, k, v, attnOptions);
  const problem = prepareAttention(q, k, v, attnOptions);
  const kernel = async () => (await runAttention(ort, cache, sessionOptions, problem)).output;
  const rounds = Number(values.rounds ?? (S <= 512 ? 40 : 8));
  const times = { direct: [], backend: [], kernel: [], validate: [] };
  const fns = { direct, backend: viaBackend, kernel, validate };
  for (let r = -2; r < rounds; r++) {
    // Alternate the order so that neither side always runs on a warmer cache.
    const order = r % 2 === 0 ? ['direct', 'backend', 'kernel', 'validate'] : ['kernel', 'backend', 'direct', 'validate'];
    for (const name of order) {
      const fn = fns[name];
      const t0 = performance.now();
      await fn();
      if (r >= 0) times[name].push(performance.now() - t0);
    }
  }
  const [d, b, kn, val] = ['direct', 'backend', 'kernel', 'validate'].map((n) => median(times[n]));
  const [dMin, bMin, knMin] = ['direct', 'backend', 'kernel'].map((n) => min(times[n]));
  const f = (x, digits = 2) => x.toFixed(digits);
  console.log([S, f(d), f(b), f(b / d, 3), f(bMin / dMin, 3), f(kn), f(kn / d, 3), f(knMin / dMin, 3), f(val), f((4 * B * H * S * S * D) / d / 1e6, 1)].join('\t'));
  await session.release();
}
await backend.dispose();
await cache.dispose();
