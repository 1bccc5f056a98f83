/**
 * Trains the labeller's encoder and writes `model.json` + `weights.safetensors`. Two engines:
 * - `torch` (default): PyTorch on CPU (`scripts/train_torch.py`, see `torch-engine.ts`); the weights are
 *   checked against the compiled attnkit model before they are written;
 * - `tfjs`: @attnkit/backend-tfjs's trainer (tfjs autodiff, Adam, one WebAssembly thread; about 20×
 *   slower per step).
 *
 * Seeded and step-counted (not timed), so the same data and arguments give the same weights.
 *
 * `node dist/train/train.js --data data/train,data/train-flite --dev data/heldout --out model`
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cac } from 'cac';
import { seededRandom, type ModelSpec, type Tensor } from '@attnkit/core';
import { createTrainer } from '@attnkit/backend-tfjs';
import { createTsBackend } from '@attnkit/backend-ts';
import { DEFAULT_FEATURES } from '../features/log-mel.js';
import { CLASSES } from '../labels/classes.js';
import type { ModelFile } from '../model/model-file.js';
import { Confusion } from '../eval/confusion.js';
import { loadDataset, randomBatch, type Example } from './dataset.js';
import { trainWithTorch, writeBundle } from './torch-engine.js';

/** The encoder's shape: pre-norm layers, RoPE, each frame attends ±`window` frames in every layer. */
interface EncoderShape {
  readonly dModel: number;
  readonly heads: number;
  readonly layers: number;
  readonly ffnSize: number;
  readonly window: number;
}

/** The shipped encoder: 4 layers of d 64, 4 heads, FFN 192, ±16 frames. */
const SHAPE: EncoderShape = { dModel: 64, heads: 4, layers: 4, ffnSize: 192, window: 16 };

/** The model spec of an {@link EncoderShape}. */
function encoderSpec(s: EncoderShape): ModelSpec {
  return {
    type: 'transformer-encoder',
    inputSize: DEFAULT_FEATURES.bands,
    dModel: s.dModel,
    heads: s.heads,
    layers: s.layers,
    ffnSize: s.ffnSize,
    activation: 'gelu',
    norm: 'pre',
    positional: { kind: 'rope' },
    attention: { window: { left: s.window, right: s.window } },
    output: { kind: 'per-position', classes: CLASSES.length, labels: [...CLASSES] },
  };
}

interface Options extends EncoderShape {
  engine: 'torch' | 'tfjs';
  data: string;
  dev?: string;
  out: string;
  steps: number;
  batch: number;
  length: number;
  lr: number;
  seed: number;
  log: number;
  dropout: number;
  bandWarp: number;
  bandBend: number;
  timeMask: number;
  ema: number;
  threads: number;
}

/** Largest |torch − attnkit| logit difference accepted (float32 sums in a different order). */
const CHECK_TOLERANCE = 2e-3;

/** Utterances (of dev, else of the training data) run by both torch and attnkit after training. */
const CHECK_UTTERANCES = 3;

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

const say = (s: string): void => void process.stderr.write(`${s}\n`);

/** What an engine returns: the weights and how it trained, for `model.json` (beside what both share). */
interface Trained {
  readonly weights: Map<string, Tensor>;
  readonly training: Record<string, unknown>;
}

/** A training engine: the options, the spec, the training and dev utterances. */
type Engine = (o: Options, spec: ModelSpec, data: readonly Example[], dev: readonly Example[]) => Promise<Trained>;

const trainTfjs: Engine = async (o, spec, data, dev) => {
  const F = DEFAULT_FEATURES.bands;
  let t0 = performance.now();
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
    const trainer = await createTrainer(spec, {
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
  return {
    weights: weights!,
    training: {
      learningRate: stages
        .map((s) => `${Number(s.lr.toPrecision(3))} x ${Math.round(s.share * o.steps)} steps`)
        .join(', '),
      optimizer: 'adam',
      engine: `tfjs ${engine}`,
      seconds: Math.round(seconds),
    },
  };
};

const trainTorch: Engine = async (o, spec, data, dev) => {
  const F = DEFAULT_FEATURES.bands;
  const work = mkdtempSync(join(tmpdir(), 'speech-labeler-train-'));
  try {
    const check = (dev.length > 0 ? dev : data).slice(0, CHECK_UTTERANCES);
    writeBundle(join(work, 'train'), data, F);
    writeBundle(join(work, 'check'), check, F);
    if (dev.length > 0) writeBundle(join(work, 'dev'), dev, F);
    const r = await trainWithTorch({
      spec,
      data: [join(work, 'train')],
      ...(dev.length > 0 ? { dev: join(work, 'dev') } : {}),
      check: join(work, 'check'),
      work: join(work, 'out'),
      args: {
        steps: o.steps,
        batch: o.batch,
        length: o.length,
        lr: o.lr,
        seed: o.seed,
        log: o.log,
        dropout: o.dropout,
        'band-warp': o.bandWarp,
        'band-bend': o.bandBend,
        'time-mask': o.timeMask,
        ema: o.ema,
        ...(o.threads > 0 ? { threads: o.threads } : {}),
      },
      log: say,
    });
    // The same function in attnkit: the compiled model on backend-ts gives torch's logits.
    const backend = createTsBackend();
    try {
      const model = await backend.compile(spec, r.weights);
      let worst = 0;
      for (const [u, c] of r.checks.entries()) {
        const ex = check[u]!;
        const { logits } = await model.run({ shape: [1, ex.frames, F], data: ex.features });
        for (let i = 0; i < c.logits.length; i++) worst = Math.max(worst, Math.abs(logits.data[i]! - c.logits[i]!));
      }
      await model.dispose();
      if (r.checks.length !== check.length || !(worst <= CHECK_TOLERANCE))
        throw new Error(
          `attnkit's logits differ from torch's by ${worst} (> ${CHECK_TOLERANCE}) on ${check.length} utterances: the script's encoder does not match the spec`,
        );
      say(
        `attnkit (ts) matches torch on ${check.length} utterances: largest logit difference ${worst.toExponential(2)}`,
      );
    } finally {
      await backend.dispose();
    }
    return {
      weights: r.weights,
      training: {
        learningRate: `${o.lr} peak, 200 warm-up steps, cosine decay to 0`,
        optimizer: 'adamw (weight decay 0.01 on matrices), gradient norm clipped at 1',
        dropout: o.dropout,
        bandWarp: `the band axis warped by a factor in 1 ± ${o.bandWarp} on half the crops`,
        ...(o.bandBend > 0
          ? { bandBend: `the warped crops' band axis also bent by up to ±${o.bandBend}·f·(1 − f/(bands − 1)) bands` }
          : {}),
        ...(o.timeMask > 0 ? { timeMask: `1–${o.timeMask} adjacent frames set to 0 on 30% of the crops` } : {}),
        ...(o.ema > 0 ? { weights: `a moving average of every step's, decay ${o.ema}` } : {}),
        engine: `torch ${r.torch} (CPU, ${r.threads} threads)`,
        seconds: r.seconds,
      },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
};

const ENGINES: Readonly<Record<Options['engine'], Engine>> = { torch: trainTorch, tfjs: trainTfjs };

async function train(o: Options): Promise<void> {
  const t0 = performance.now();
  const dirs = o.data.split(',').filter((d) => d.length > 0);
  const data = dirs.flatMap((d) => loadDataset(d, DEFAULT_FEATURES));
  const dev = o.dev ? loadDataset(o.dev, DEFAULT_FEATURES) : [];
  const frames = data.reduce((a, e) => a + e.frames, 0);
  say(
    `loaded ${data.length} utterances (${(frames / 6000).toFixed(1)} min) from ${dirs.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s; dev ${dev.length}`,
  );
  const spec = encoderSpec(o);
  const r = await ENGINES[o.engine](o, spec, data, dev);
  mkdirSync(o.out, { recursive: true });
  const { encodeSafetensors } = await import('@attnkit/core');
  writeFileSync(join(o.out, 'weights.safetensors'), encodeSafetensors(r.weights, { format: 'attnkit' }));
  const file: ModelFile = {
    format: 'speech-labeler-model/1',
    features: { ...DEFAULT_FEATURES, normalize: 'utterance' },
    spec,
    weights: 'weights.safetensors',
    training: {
      data: `${data.length} utterances, ${(frames / 6000).toFixed(1)} min (${dirs.join(', ')})`,
      steps: o.steps,
      batch: o.batch,
      cropFrames: o.length,
      frequencyMask: 'up to 6 bands on half the crops',
      seed: o.seed,
      ...r.training,
    },
  };
  writeFileSync(join(o.out, 'model.json'), `${JSON.stringify(file, null, 2)}\n`);
  say(`wrote ${o.out}/model.json and weights.safetensors after ${o.steps} steps`);
}

const cli = cac('train');
cli
  .command('', 'Train the labeller')
  .option('--engine <name>', 'torch (PyTorch, CPU) or tfjs (@attnkit/backend-tfjs)', { default: 'torch' })
  .option('--data <dirs>', 'Training directories (NAME.wav + NAME.json), comma-separated', { default: 'data/train' })
  .option(
    '--dev <dir>',
    'Directory scored while training (tfjs: after each learning-rate stage; torch: every 1000 steps)',
  )
  .option('--out <dir>', 'Where to write model.json and weights.safetensors', { default: 'model' })
  .option('--steps <n>', 'Optimiser steps', { default: 6000 })
  .option('--batch <n>', 'Crops per step', { default: 64 })
  .option('--length <frames>', 'Frames per crop', { default: 128 })
  .option('--threads <n>', 'CPU threads (torch)', { default: 0 })
  .option('--ema <decay>', 'Export a moving average of the weights with this decay, 0 for the last step (torch)', {
    default: 0.999,
  })
  .option('--band-warp <x>', 'Warp the mel-band axis by 1 ± x on half the crops (torch)', { default: 0.2 })
  .option(
    '--band-bend <x>',
    'On the warped crops, also bend the band axis by up to ± x·f·(1 − f/(bands − 1)) (torch)',
    {
      default: 0,
    },
  )
  .option('--time-mask <frames>', 'Set 1 to this many adjacent frames to 0 on 30% of the crops, 0 for none (torch)', {
    default: 0,
  })
  .option('--lr <x>', 'Peak learning rate', { default: 2e-3 })
  .option('--dropout <x>', 'Dropout on each residual branch (torch)', { default: 0.1 })
  .option('--d-model <n>', 'Model width', { default: SHAPE.dModel })
  .option('--heads <n>', 'Attention heads', { default: SHAPE.heads })
  .option('--layers <n>', 'Encoder layers', { default: SHAPE.layers })
  .option('--ffn-size <n>', 'Feed-forward width', { default: SHAPE.ffnSize })
  .option('--window <frames>', 'Frames each frame attends on either side', { default: SHAPE.window })
  .option('--seed <n>', 'Seed of the weights and the batches', { default: 1 })
  .option('--log <n>', 'Print every n steps', { default: 25 })
  .action(async (o: Options) => {
    if (!Object.hasOwn(ENGINES, o.engine))
      throw new Error(`--engine: expected ${Object.keys(ENGINES).join(' or ')}, got ${String(o.engine)}`);
    await train({
      ...o,
      dModel: Number(o.dModel),
      heads: Number(o.heads),
      layers: Number(o.layers),
      ffnSize: Number(o.ffnSize),
      window: Number(o.window),
      dropout: Number(o.dropout),
      threads: Number(o.threads),
      bandWarp: Number(o.bandWarp),
      bandBend: Number(o.bandBend),
      timeMask: Number(o.timeMask),
      ema: Number(o.ema),
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
