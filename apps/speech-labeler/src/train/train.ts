/**
 * Trains the labeller's encoder with @attnkit/backend-tfjs (autodiff, Adam) and writes `model.json` +
 * `weights.safetensors`. Seeded and step-counted (not timed), so the same data and arguments give the
 * same weights.
 *
 * `node dist/train/train.js --data data/train --dev data/heldout --out model`
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cac } from 'cac';
import { seededRandom, type ModelSpec, type Tensor } from '@attnkit/core';
import { createTrainer } from '@attnkit/backend-tfjs';
import { DEFAULT_FEATURES } from '../features/log-mel.js';
import { CLASSES } from '../labels/classes.js';
import type { ModelFile } from '../model/model-file.js';
import { Confusion } from '../eval/confusion.js';
import { loadDataset, randomBatch, type Example } from './dataset.js';

/** The encoder: 3 pre-norm layers, d 64, 4 heads, RoPE, each frame attends ±16 frames. */
export const SPEC: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: DEFAULT_FEATURES.bands,
  dModel: 64,
  heads: 4,
  layers: 3,
  ffnSize: 128,
  activation: 'gelu',
  norm: 'pre',
  positional: { kind: 'rope' },
  attention: { window: { left: 16, right: 16 } },
  output: { kind: 'per-position', classes: CLASSES.length, labels: [...CLASSES] },
};

interface Options {
  data: string;
  dev?: string;
  out: string;
  steps: number;
  batch: number;
  length: number;
  lr: number;
  seed: number;
  log: number;
}

async function evaluate(
  predict: (x: Tensor, lengths: Int32Array) => Promise<Tensor>,
  data: readonly Example[],
  F: number,
): Promise<Confusion> {
  const c = new Confusion();
  for (const ex of data) {
    const { data: z } = await predict({ shape: [1, ex.frames, F], data: ex.features }, Int32Array.of(ex.frames));
    const hyp = new Uint8Array(ex.frames);
    for (let t = 0; t < ex.frames; t++) {
      let best = 0;
      for (let k = 1; k < CLASSES.length; k++) if (z[t * CLASSES.length + k]! > z[t * CLASSES.length + best]!) best = k;
      hyp[t] = best;
    }
    c.add(ex.labels, hyp);
  }
  return c;
}

async function train(o: Options): Promise<void> {
  const F = DEFAULT_FEATURES.bands;
  const say = (s: string): void => void process.stderr.write(`${s}\n`);
  let t0 = performance.now();
  const data = loadDataset(o.data, DEFAULT_FEATURES);
  const dev = o.dev ? loadDataset(o.dev, DEFAULT_FEATURES) : [];
  const frames = data.reduce((a, e) => a + e.frames, 0);
  say(
    `loaded ${data.length} utterances (${(frames / 6000).toFixed(1)} min) in ${((performance.now() - t0) / 1000).toFixed(1)} s; dev ${dev.length}`,
  );
  const rng = seededRandom(o.seed);
  // Learning-rate stages (Adam restarts with the weights carried over): 60% at lr, 25% at lr/3, 15% at lr/10.
  const stages = [
    { share: 0.6, lr: o.lr },
    { share: 0.25, lr: o.lr / 3 },
    { share: 0.15, lr: o.lr / 10 },
  ];
  let weights: Map<string, Tensor> | undefined;
  let step = 0;
  t0 = performance.now();
  let engine = '';
  for (const stage of stages) {
    const trainer = await createTrainer(SPEC, {
      seed: o.seed,
      learningRate: stage.lr,
      ...(weights ? { weights } : {}),
    });
    engine = String(trainer.info.tfjsBackend ?? '');
    const n = Math.round(stage.share * o.steps);
    let loss = 0,
      acc = 0,
      k = 0;
    for (let i = 0; i < n; i++, step++) {
      const b = randomBatch(data, rng, o.batch, o.length, F, 6);
      const r = await trainer.step({ input: b.input, labels: b.labels, lengths: b.lengths });
      loss += r.loss;
      acc += r.accuracy;
      k++;
      if ((step + 1) % o.log === 0) {
        say(
          `step ${step + 1}/${o.steps} lr ${stage.lr.toExponential(1)} loss ${(loss / k).toFixed(4)} acc ${(acc / k).toFixed(4)} ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );
        loss = acc = k = 0;
      }
    }
    weights = await trainer.exportWeights();
    if (dev.length > 0) {
      const c = await evaluate((x, lengths) => trainer.predict(x, { lengths }), dev, F);
      say(`after stage lr ${stage.lr.toExponential(1)}: dev frame accuracy ${c.accuracy.toFixed(4)}`);
    }
    await trainer.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  mkdirSync(o.out, { recursive: true });
  const { encodeSafetensors } = await import('@attnkit/core');
  writeFileSync(join(o.out, 'weights.safetensors'), encodeSafetensors(weights!, { format: 'attnkit' }));
  const file: ModelFile = {
    format: 'speech-labeler-model/1',
    features: { ...DEFAULT_FEATURES, normalize: 'utterance' },
    spec: SPEC,
    weights: 'weights.safetensors',
    training: {
      data: `${data.length} utterances, ${(frames / 6000).toFixed(1)} min`,
      steps: o.steps,
      batch: o.batch,
      cropFrames: o.length,
      learningRate: stages
        .map((s) => `${Number(s.lr.toPrecision(3))} x ${Math.round(s.share * o.steps)} steps`)
        .join(', '),
      optimizer: 'adam',
      frequencyMask: 'up to 6 bands on half the crops',
      seed: o.seed,
      engine: `tfjs ${engine}`,
      seconds: Math.round(seconds),
    },
  };
  writeFileSync(join(o.out, 'model.json'), `${JSON.stringify(file, null, 2)}\n`);
  say(`wrote ${o.out}/model.json and weights.safetensors after ${o.steps} steps in ${seconds.toFixed(0)} s`);
}

const cli = cac('train');
cli
  .command('', 'Train the labeller')
  .option('--data <dir>', 'Training directory (NAME.wav + NAME.json)', { default: 'data/train' })
  .option('--dev <dir>', 'Directory scored after each learning-rate stage')
  .option('--out <dir>', 'Where to write model.json and weights.safetensors', { default: 'model' })
  .option('--steps <n>', 'Optimiser steps', { default: 300 })
  .option('--batch <n>', 'Crops per step', { default: 16 })
  .option('--length <frames>', 'Frames per crop', { default: 256 })
  .option('--lr <x>', 'Initial learning rate', { default: 3e-3 })
  .option('--seed <n>', 'Seed of the weights and the batches', { default: 1 })
  .option('--log <n>', 'Print every n steps', { default: 25 })
  .action(async (o: Options) => {
    await train({
      ...o,
      steps: Number(o.steps),
      batch: Number(o.batch),
      length: Number(o.length),
      lr: Number(o.lr),
      seed: Number(o.seed),
      log: Number(o.log),
    });
  });
cli.help();
cli.parse();
