/**
 * End to end: train a tiny encoder on a task that needs attention, export it as safetensors, and run the
 * exported weights on the pure-TypeScript backend.
 *
 * The task ("most recent signal"): each position holds one of V signal tokens or a blank (one-hot,
 * V + 1 features; position 0 is always a signal, later ones with probability 0.35). Every position is
 * labelled with the most recent signal at or before it. A blank position carries no information about
 * its label, so a model that cannot attend is right only where the position itself is a signal and at
 * chance (1/V) elsewhere: about 0.35 + 0.65/4 ≈ 0.51 accuracy at best. Sequences have random valid
 * lengths, so the loss must exclude padding.
 */
import { describe, expect, it } from 'vitest';
import { decodeSafetensors, seededRandom, type ModelSpec, type Random } from '@attnkit/core';
import { createTsBackend } from '@attnkit/backend-ts';
import { createTrainer, type TrainingBatch } from './index.js';

const V = 4;
const F = V + 1;
const S = 12;

function signalBatch(rng: Random, B: number): TrainingBatch & { lengths: Int32Array; labels: Int32Array } {
  const input = new Float32Array(B * S * F);
  const labels = new Int32Array(B * S);
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    lengths[b] = rng.int(S / 2, S);
    let last = 0;
    for (let s = 0; s < S; s++) {
      const signal = s === 0 || rng.next() < 0.35;
      const token = signal ? rng.int(0, V - 1) : V;
      if (signal) last = token;
      input[(b * S + s) * F + token] = 1;
      labels[b * S + s] = last;
    }
  }
  return { input: { shape: [B, S, F], data: input }, labels, lengths };
}

/** Top class of every valid position. */
function predictions(logits: Float32Array, lengths: Int32Array, C: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < lengths.length; b++)
    for (let s = 0; s < lengths[b]!; s++) {
      const row = logits.subarray((b * S + s) * C, (b * S + s + 1) * C);
      out.push(row.indexOf(Math.max(...row)));
    }
  return out;
}

const spec: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: F,
  dModel: 16,
  heads: 2,
  layers: 1,
  ffnSize: 32,
  attention: { causal: true },
  output: { kind: 'per-position', classes: V },
};

describe('training', () => {
  it('learns a task that needs attention; backend-ts runs the exported weights with identical predictions', async () => {
    const trainer = await createTrainer(spec, { seed: 1, learningRate: 1e-2 });
    const train = seededRandom(7);
    const test = signalBatch(seededRandom(99), 64);
    const before = await trainer.evaluate(test);
    const losses: number[] = [];
    for (let i = 0; i < 100; i++) losses.push((await trainer.step(signalBatch(train, 32))).loss);
    const after = await trainer.evaluate(test);
    console.log(
      `most-recent-signal task (${trainer.info.tfjsBackend}): held-out loss ${before.loss.toFixed(3)} -> ${after.loss.toFixed(4)}, accuracy ${before.accuracy.toFixed(3)} -> ${after.accuracy.toFixed(3)} (chance ${1 / V})`,
    );

    // Untrained, the model is near chance: cross-entropy about ln V.
    expect(before.accuracy).toBeLessThan(0.45);
    expect(before.loss).toBeGreaterThan(0.8 * Math.log(V));
    // Trained: the loss falls steadily and the accuracy is far above chance.
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.25 * mean(losses.slice(0, 10)));
    expect(after.loss).toBeLessThan(0.2 * before.loss);
    // Far above what any model without attention can reach (about 0.51, see above).
    expect(after.accuracy).toBeGreaterThan(0.9);

    // The exported file runs on backend-ts.
    const file = decodeSafetensors(await trainer.exportSafetensors());
    expect(JSON.parse(file.metadata.spec!)).toEqual(spec);
    const ts = createTsBackend();
    const model = await ts.compile(spec, file.tensors);
    const tsLogits = (await model.run(test.input, { lengths: test.lengths })).logits;
    const tfjsLogits = await trainer.predict(test.input, { lengths: test.lengths });
    expect(tsLogits.shape).toEqual(tfjsLogits.shape);
    const tsPredicted = predictions(tsLogits.data, test.lengths, V);
    expect(tsPredicted).toEqual(predictions(tfjsLogits.data, test.lengths, V));
    const truth = Array.from(test.lengths).flatMap((n, b) =>
      Array.from({ length: n }, (_, s) => test.labels[b * S + s]!),
    );
    const right = tsPredicted.filter((p, i) => p === truth[i]).length;
    expect(right / truth.length).toBeCloseTo(after.accuracy, 10);
    for (let i = 0; i < tsLogits.data.length; i++)
      expect(Math.abs(tsLogits.data[i]! - tfjsLogits.data[i]!)).toBeLessThan(1e-3);
    await model.dispose();
    await ts.dispose();
    await trainer.dispose();
  }, 60_000);

  it('trains a pooled head with the per-sequence loss', async () => {
    const pooled: ModelSpec = { ...spec, attention: {}, output: { kind: 'pooled', classes: V } };
    const trainer = await createTrainer(pooled, { seed: 2, learningRate: 1e-2 });
    const rng = seededRandom(3);
    // One label per sequence: its first token.
    const asSequences = (b: TrainingBatch): TrainingBatch => ({
      ...b,
      labels: Array.from({ length: b.input.shape[0]! }, (_, i) => b.labels[i * S]!),
    });
    const test = asSequences(signalBatch(seededRandom(98), 64));
    const before = await trainer.evaluate(test);
    for (let i = 0; i < 60; i++) await trainer.step(asSequences(signalBatch(rng, 32)));
    const after = await trainer.evaluate(test);
    expect(after.loss).toBeLessThan(0.5 * before.loss);
    expect(after.accuracy).toBeGreaterThan(0.8);
    await trainer.dispose();
  }, 60_000);
});
