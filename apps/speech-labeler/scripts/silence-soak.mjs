// Labels N hours of generated silence, streamed (nothing is written to disk), with the CLI's streamed
// pipeline and JSON writer, and prints the fraction of frames labelled `sil`, the segments, and memory
// before and after (RSS, heap) with the peaks. Run it for two lengths: flat memory gives the same peaks.
//
//   pnpm --filter speech-labeler build
//   node --expose-gc apps/speech-labeler/scripts/silence-soak.mjs --hours 1 [--kind zeros|dither|noise-70] [--backend onnx]
//
// Not a test: it measures memory, which depends on the machine.
import { parseArgs } from 'node:util';
import { createLabeler, createNodeRegistry, jsonWriter, loadModelFile } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    hours: { type: 'string', default: '1' },
    kind: { type: 'string', default: 'zeros' },
    backend: { type: 'string' },
  },
});
const hours = Number(values.hours);
if (!(hours > 0)) throw new Error(`--hours: expected a positive number, got "${values.hours}"`);
const KINDS = ['zeros', 'dither', 'noise-70'];
if (!KINDS.includes(values.kind)) throw new Error(`--kind: expected one of ${KINDS.join(', ')}, got "${values.kind}"`);

const RATE = 16000,
  BLOCK = 1 << 16;
const samples = Math.round(hours * 3600 * RATE);

/** A seeded uniform generator in [0, 1). */
let state = 1;
const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
/** The generated signal: digital silence, 16-bit triangular dither (±1 LSB, quantised), or white noise at -70 dBFS. */
const fill = {
  zeros: () => {},
  dither: (x) => {
    for (let i = 0; i < x.length; i++) x[i] = Math.round((random() - random()) * 1) / 32768;
  },
  'noise-70': (x) => {
    const a = 10 ** (-70 / 20);
    for (let i = 0; i < x.length; i++)
      x[i] = a * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  },
}[values.kind];

/** An AudioStream of `samples` generated 16 kHz samples in blocks; each pass generates the same samples. */
const stream = {
  info: {
    encoding: 'float',
    bitsPerSample: 32,
    channels: 1,
    sampleRate: RATE,
    dataOffset: 0,
    dataBytes: samples * 4,
    frames: samples,
  },
  length: samples,
  *blocks(onBytes) {
    state = 1;
    for (let at = 0; at < samples; at += BLOCK) {
      const x = new Float32Array(Math.min(BLOCK, samples - at));
      fill(x);
      onBytes?.((at + x.length) * 4, samples * 4);
      yield x;
    }
  },
};

const mb = (n) => `${(n / 2 ** 20).toFixed(1)} MB`;
const memory = () => {
  globalThis.gc?.();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, external: m.external + m.arrayBuffers };
};

const registry = await createNodeRegistry();
const { backend } = await registry.select(values.backend ? { force: values.backend } : {});
const labeler = await createLabeler(backend, loadModelFile());
const before = memory();
let peakHeap = before.heap,
  frames = 0,
  sil = 0,
  segments = 0,
  bytes = 0;
const sample = () => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed));
let writer;
const started = performance.now();
await labeler.labelStream(
  stream,
  {
    onStart: () => (writer = jsonWriter((t) => (bytes += t.length))),
    onLabels: (_first, labels) => {
      frames += labels.length;
      for (const l of labels) if (l === 0) sil++;
    },
    onSegment: (s) => (segments++, writer.segment(s)),
  },
  () => sample(),
);
writer.end();
const seconds = (performance.now() - started) / 1000;
const after = memory();
await labeler.dispose();
await backend.dispose();

console.log(`${hours} h of ${values.kind} (${frames} frames) on ${labeler.backendName} in ${seconds.toFixed(1)} s`);
console.log(`sil: ${((100 * sil) / frames).toFixed(3)} % of frames; ${segments} segments, ${bytes} bytes of JSON`);
console.log(`before: rss ${mb(before.rss)}, heap ${mb(before.heap)}, array buffers ${mb(before.external)}`);
console.log(
  `after:  rss ${mb(after.rss)}, heap ${mb(after.heap)}, array buffers ${mb(after.external)}${globalThis.gc ? '' : ' (run with --expose-gc for figures after a collection)'}`,
);
console.log(
  `peak:   rss ${mb(process.resourceUsage().maxRSS * 1024)}, heap ${mb(peakHeap)} (sampled at each progress report)`,
);
