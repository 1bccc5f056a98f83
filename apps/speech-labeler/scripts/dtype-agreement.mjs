// Labels generated utterances with the model in float32 and in float16 weights (`--dtype float16`) on
// backend-ts and backend-onnx, and prints how many frames get the same label.
//
//   pnpm --filter speech-labeler build
//   node apps/speech-labeler/scripts/dtype-agreement.mjs [--split heldout --count 40 --seed 2]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createOnnxBackend } from '@attnkit/backend-onnx';
import { createTsBackend } from '@attnkit/backend-ts';
import { openWavFile } from '../dist/audio/wav-file.js';
import { generate } from '../dist/data/generate.js';
import { listEvalPairs } from '../dist/eval/evaluate.js';
import { loadModelFile } from '../dist/model/model-node.js';
import { createLabeler } from '../dist/pipeline/labeler.js';

const { values } = parseArgs({
  options: {
    split: { type: 'string', default: 'heldout' },
    count: { type: 'string', default: '40' },
    seed: { type: 'string', default: '2' },
  },
});
const root = mkdtempSync(join(tmpdir(), 'speech-labeler-dtype-'));
const dir = join(root, values.split);
await generate({ split: values.split, count: Number(values.count), seed: Number(values.seed), out: dir });
const loaded = loadModelFile();
const pairs = listEvalPairs(dir);

async function labels(labeler, wav) {
  const s = openWavFile(wav);
  try {
    return { labels: (await labeler.label(s)).labels, seconds: s.length / 16000 };
  } finally {
    s.close();
  }
}

const backends = { ts: createTsBackend, onnx: createOnnxBackend };
for (const name of /** @type {const} */ (['ts', 'onnx'])) {
  const backend = await backends[name]();
  const full = await createLabeler(backend, loaded, {}, { dtype: 'float32' });
  const half = await createLabeler(backend, loaded, {}, { dtype: 'float16' });
  let same = 0,
    total = 0,
    seconds = 0;
  for (const p of pairs) {
    const a = await labels(full, p.wav);
    const b = (await labels(half, p.wav)).labels;
    for (let t = 0; t < a.labels.length; t++) same += a.labels[t] === b[t] ? 1 : 0;
    total += a.labels.length;
    seconds += a.seconds;
  }
  console.log(
    `${name}: ${values.split} (${pairs.length} files, ${seconds.toFixed(1)} s): float16 and float32 labels agree on ${same} of ${total} frames (${((100 * same) / total).toFixed(3)} %)`,
  );
  await full.dispose();
  await half.dispose();
  await backend.dispose();
}
rmSync(root, { recursive: true, force: true });
