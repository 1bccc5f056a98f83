#!/usr/bin/env node
/**
 * float16 against float32 models, on the same spec and weights: run time and memory.
 *
 *   node apps/bench/scripts/model-dtype.mjs [--backends ts,onnx] [--seq 1000] [--rounds 15] [--repeats 3]
 *                                           [--d 64 --ffn 256 --layers 4 --heads 4] [--memory-d 512]
 *
 * Time: for each backend, one process compiles the model twice (float32 and float16 weights), runs each
 * once untimed, then alternates timed runs (float32, float16, float32, ...) for `rounds` rounds, so that a
 * change in the machine's load hits both alike; it prints each dtype's median and the ratio
 * float16 ÷ float32, once per repeat, and the load average before and after.
 * Memory: for each backend and dtype, a fresh process compiles a wider model (`--memory-d`, 8 layers,
 * FFN 4·d) and prints `Model.weightBytes` and what the compile added outside V8's heap (RSS minus the heap,
 * after a full garbage collection: the engine's own allocations, e.g. ONNX Runtime's initializers), and
 * what stays added after one short run (working memory an engine keeps, e.g. ONNX Runtime's arena).
 * Not a test: figures depend on the machine. Run it after `pnpm build`.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { initWeights, seededRandom } from '@attnkit/core';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'ts,onnx' },
    seq: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '15' },
    repeats: { type: 'string', default: '3' },
    d: { type: 'string', default: '64' },
    ffn: { type: 'string' },
    layers: { type: 'string', default: '4' },
    heads: { type: 'string', default: '4' },
    'memory-d': { type: 'string', default: '512' },
    child: { type: 'string' },
  },
});

/** The bench's encoder (the speech labeler's shape) at width `d`. */
function specOf(d, layers, ffn, heads) {
  return {
    type: 'transformer-encoder',
    inputSize: 40,
    dModel: d,
    heads,
    layers,
    ffnSize: ffn,
    positional: { kind: 'sinusoidal' },
    attention: { window: { left: 64, right: 64 } },
    output: { kind: 'per-position', classes: 8 },
  };
}

async function createBackend(name) {
  if (name === 'ts') return (await import('@attnkit/backend-ts')).createTsBackend();
  if (name === 'onnx') return (await import('@attnkit/backend-onnx')).createOnnxBackend();
  if (name === 'webgpu') return (await import('@attnkit/backend-webgpu')).createWebGpuBackend();
  throw new Error(`unknown backend ${name}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

if (values.child) {
  // One compile in a fresh process: its memory.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc');
  const outside = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.rss - m.heapTotal;
  };
  const [name, dtype] = values.child.split(':');
  const d = Number(values['memory-d']);
  const spec = specOf(d, 8, 4 * d, 8);
  const backend = await createBackend(name);
  const weights = initWeights(spec, { seed: 1 });
  const before = outside();
  const model = await backend.compile(spec, weights, { dtype });
  const after = outside();
  const rng = seededRandom(3);
  await model.run({ shape: [1, 64, 40], data: Float32Array.from({ length: 64 * 40 }, () => rng.uniform(-1, 1)) });
  const afterRun = outside();
  console.log(JSON.stringify({ weightBytes: model.weightBytes, added: after - before, afterRun: afterRun - before }));
  await model.dispose();
  await backend.dispose();
  process.exit(0);
}

const S = Number(values.seq);
const d = Number(values.d);
const spec = specOf(d, Number(values.layers), Number(values.ffn ?? 4 * d), Number(values.heads));
const rng = seededRandom(2);
const input = { shape: [1, S, 40], data: Float32Array.from({ length: S * 40 }, () => rng.uniform(-1, 1)) };
const weights = initWeights(spec, { seed: 1 });
const MiB = 2 ** 20;
console.log(
  `spec: d ${d}, ${spec.layers} layers, FFN ${spec.ffnSize}, ${spec.heads} heads, window ±64; input [1, ${S}, 40]`,
);
for (const name of values.backends.split(',')) {
  for (let rep = 1; rep <= Number(values.repeats); rep++) {
    const loadBefore = load();
    const backend = await createBackend(name);
    const models = {
      float32: await backend.compile(spec, weights),
      float16: await backend.compile(spec, weights, { dtype: 'float16' }),
    };
    for (const m of Object.values(models)) await m.run(input);
    const times = { float32: [], float16: [] };
    for (let r = 0; r < Number(values.rounds); r++) {
      for (const dtype of r % 2 ? ['float16', 'float32'] : ['float32', 'float16']) {
        const t0 = performance.now();
        await models[dtype].run(input);
        times[dtype].push(performance.now() - t0);
      }
    }
    const m32 = median(times.float32),
      m16 = median(times.float16);
    console.log(
      `${name} repeat ${rep}: float32 ${m32.toFixed(1)} ms, float16 ${m16.toFixed(1)} ms, ratio ${(m16 / m32).toFixed(3)}; ` +
        `weights ${(models.float32.weightBytes / MiB).toFixed(2)} / ${(models.float16.weightBytes / MiB).toFixed(2)} MiB; load ${loadBefore} → ${load()}`,
    );
    for (const m of Object.values(models)) await m.dispose();
    await backend.dispose();
  }
}
const script = fileURLToPath(import.meta.url);
const md = Number(values['memory-d']);
console.log(`memory: d ${md}, 8 layers, FFN ${4 * md}, 8 heads (one fresh process per compile)`);
for (const name of values.backends.split(',')) {
  for (const dtype of ['float32', 'float16']) {
    const out = execFileSync(process.execPath, [script, '--child', `${name}:${dtype}`, '--memory-d', String(md)], {
      encoding: 'utf8',
    });
    const r = JSON.parse(out.trim().split('\n').pop());
    console.log(
      `${name} ${dtype}: weightBytes ${(r.weightBytes / MiB).toFixed(1)} MiB; outside V8's heap, compile added ${(r.added / MiB).toFixed(1)} MiB, ${(r.afterRun / MiB).toFixed(1)} MiB after a first run of [1, 64, 40]`,
    );
  }
}
