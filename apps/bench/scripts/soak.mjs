#!/usr/bin/env node
/**
 * Soak: many mixed attention calls (the conformance fuzz generator's calls: valid ones with every option,
 * and malformed or edge ones) on each backend, 64 at a time, with memory read before and after.
 *
 *   node apps/bench/scripts/soak.mjs [--backends ts,onnx,tfjs,webgpu] [--calls 10000] [--webgpu-calls 1000] [--concurrency 64]
 *
 * For each backend it prints the calls computed and refused (by code), anything that is not an attnkit
 * error (there should be none), outputs that are not finite (none), and the JavaScript heap in use and the
 * memory outside it (RSS minus V8's heap) after a full garbage collection, before the timed calls (after a
 * warm-up of 1,000 calls) and after them. Not a test: memory is the allocator's business and is reported,
 * not asserted. Run it after `pnpm build`.
 */
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AttnkitError } from '@attnkit/core';
import { fuzzCall } from '@attnkit/conformance';

const { values } = parseArgs({
  options: {
    backends: { type: 'string', default: 'ts,onnx,tfjs,webgpu' },
    calls: { type: 'string', default: '10000' },
    'webgpu-calls': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '64' },
    seed: { type: 'string', default: '7' },
  },
});

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc');
const MB = 2 ** 20;
function memory() {
  gc();
  gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed / MB, outside: (m.rss - m.heapTotal) / MB };
}

const loaders = {
  ts: async () => (await import('@attnkit/backend-ts')).plugin,
  onnx: async () => (await import('@attnkit/backend-onnx')).plugin,
  tfjs: async () => (await import('@attnkit/backend-tfjs')).plugin,
  webgpu: async () => (await import('@attnkit/backend-webgpu')).plugin,
};

/** @typedef {{ computed: number, refused: Record<string, number>, foreign: string[], nonFinite: string[] }} Tally */

/** Runs calls `from..to` of the generator with `width` in flight at once. */
async function drive(backend, seed, from, to, width, tally) {
  let next = from;
  const worker = async () => {
    while (next < to) {
      const c = fuzzCall(seed, next++);
      try {
        const r = await backend.attention(c.q, c.k, c.v, c.options);
        tally.computed++;
        if (!r.output.data.every(Number.isFinite)) tally.nonFinite.push(c.label);
      } catch (e) {
        if (e instanceof AttnkitError) tally.refused[e.code] = (tally.refused[e.code] ?? 0) + 1;
        else tally.foreign.push(`${c.label}: ${e?.name}: ${e?.message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

const seed = Number(values.seed);
const width = Number(values.concurrency);
for (const name of values.backends.split(',')) {
  const load = loaders[name];
  if (!load) throw new Error(`unknown backend "${name}"; expected one of ${Object.keys(loaders).join(', ')}`);
  const plugin = await load();
  const probe = await plugin.probe();
  if (!probe.available) {
    console.log(`${name}: skipped, unavailable here: ${probe.reason}`);
    continue;
  }
  const calls = name === 'webgpu' ? Number(values['webgpu-calls']) : Number(values.calls);
  const backend = await plugin.create();
  /** @type {Tally} */
  const tally = { computed: 0, refused: {}, foreign: [], nonFinite: [] };
  const warm = Math.min(1000, Math.floor(calls / 10));
  await drive(backend, seed, 0, warm, width, { computed: 0, refused: {}, foreign: [], nonFinite: [] });
  const before = memory();
  const start = performance.now();
  await drive(backend, seed, warm, warm + calls, width, tally);
  const seconds = (performance.now() - start) / 1000;
  const after = memory();
  await backend.dispose();
  const refused = Object.entries(tally.refused)
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  console.log(
    `${name}: ${calls} calls, ${width} in flight, ${seconds.toFixed(1)} s; computed ${tally.computed}, refused ${refused}; ` +
      `foreign errors ${tally.foreign.length}, non-finite outputs ${tally.nonFinite.length}; ` +
      `JS heap ${before.heap.toFixed(1)} → ${after.heap.toFixed(1)} MB, outside the heap ${before.outside.toFixed(1)} → ${after.outside.toFixed(1)} MB`,
  );
  for (const f of [...tally.foreign, ...tally.nonFinite].slice(0, 10)) console.log(`  ${f}`);
}
