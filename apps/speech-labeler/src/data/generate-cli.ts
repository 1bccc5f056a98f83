/**
 * `node dist/data/generate-cli.js --split heldout --count 60 --seed 2 --out data/heldout`
 */
import { cac } from 'cac';
import { generate } from './generate.js';

const cli = cac('generate');
cli
  .command('', 'Generate labelled speech for a split')
  .option('--split <name>', 'train, heldout, festival-seen or unseen', { default: 'train' })
  .option('--count <n>', 'Utterances', { default: 100 })
  .option('--seed <n>', 'Seed', { default: 1 })
  .option('--augment <x>', 'Variation strength, 0 (clean) to 1', { default: 1 })
  .option('--out <dir>', 'Output directory')
  .action(async (o: { split: string; count: number; seed: number; augment: number; out?: string }) => {
    const out = o.out ?? `data/${o.split}`;
    const t = performance.now();
    const n = await generate({
      split: o.split,
      count: Number(o.count),
      seed: Number(o.seed),
      augment: Number(o.augment),
      out,
      log: (l) => process.stderr.write(`${l}\n`),
    });
    process.stderr.write(`wrote ${n} utterances to ${out} in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  });
cli.help();
cli.parse();
