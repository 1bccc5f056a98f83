/**
 * `pnpm text`: trains the agreement model on backend-tfjs, runs it on every backend, and compares it with
 * a bag-of-words baseline on held-out sentences.
 *
 * Options: `--train N` (default 2000), `--epochs N` (default 6), `--backends ts,tfjs,onnx,webgpu`.
 */
import { parseArgs } from 'node:util';
import { BACKEND_NAMES, onEveryBackend } from 'graph-attention/backends';
import { predictAgreement, trainAgreement } from './agreement-task.js';
import { bagOfWordsAccuracy, trainBagOfWords } from './bag-of-words.js';
import { sentences } from './grammar.js';

const { values } = parseArgs({
  options: {
    train: { type: 'string', default: '2000' },
    epochs: { type: 'string', default: '6' },
    backends: { type: 'string', default: BACKEND_NAMES.join(',') },
  },
});
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
const train = sentences(Number(values.train), 1);
const test = sentences(500, 2);
console.log(`Agreement across a distance: ${train.length} sentences for training, ${test.length} held out, e.g.`);
for (const s of test.slice(0, 3)) console.log(`  [${s.label === 1 ? 'agrees   ' : 'disagrees'}] ${s.words.join(' ')}`);

const bow = bagOfWordsAccuracy(trainBagOfWords(train), test);
console.log(`\nBag-of-words baseline (logistic regression on word counts): ${pct(bow)}`);

const t0 = performance.now();
console.log('Training the attention encoder on tfjs:');
const weights = await trainAgreement(train, {
  epochs: Number(values.epochs),
  batch: 16,
  onEpoch: (e, loss) =>
    console.log(`  epoch ${e + 1}: loss ${loss.toFixed(3)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`),
});
console.log('Held-out accuracy of the attention encoder:');
let first: Int32Array | undefined;
for (const o of await onEveryBackend((b) => predictAgreement(b, weights, test), values.backends.split(','))) {
  if (!('result' in o)) {
    console.log(`  ${o.name.padEnd(8)} skipped: ${o.reason}`);
    continue;
  }
  first ??= o.result.predicted;
  const same = o.result.predicted.every((p, i) => p === first![i]);
  console.log(`  ${o.name.padEnd(8)} ${pct(o.result.accuracy).padStart(6)}   same predictions: ${same ? 'yes' : 'NO'}`);
}
