/**
 * The examples' accuracies, held: the karate club's factions from two labelled members, and the N–O bond
 * task with graph attention well above the same encoder without the bonds; every backend predicts what
 * tfjs (where training happened) predicts.
 */
import { describe, expect, it } from 'vitest';
import { onEveryBackend } from './backends.js';
import { predictKarate, trainKarate } from './karate-task.js';
import { moleculeData, predictMolecules, trainMolecules } from './molecule-task.js';

/** WebGPU without a GPU is a slow software adapter; the CPU backends suffice for these checks. */
const BACKENDS = ['tfjs', 'ts', 'onnx'];

describe('karate club, semi-supervised (2 of 34 members labelled)', () => {
  it('predicts at least 28 of the 32 unlabelled factions, the same on every backend', async () => {
    const { weights } = await trainKarate({ steps: 40 });
    const runs = await onEveryBackend((b) => predictKarate(b, weights), BACKENDS);
    const first = runs.find((r) => 'result' in r);
    if (!first || !('result' in first)) throw new Error('no backend ran');
    for (const r of runs) {
      if (!('result' in r)) continue;
      expect(r.result.accuracy).toBeGreaterThanOrEqual(28 / 32);
      expect(Array.from(r.result.predicted)).toEqual(Array.from(first.result.predicted));
      // The attention of each node sums to 1 over its neighbourhood.
      for (let i = 0; i < 34; i++) {
        let sum = 0;
        for (let j = 0; j < 34; j++) sum += r.result.attention[i * 34 + j]!;
        expect(sum).toBeCloseTo(1, 4);
      }
    }
  });
});

describe('molecule-like graphs: has an N–O bond (N→1)', () => {
  it('reaches 90% with attention along bonds, at least 15 points above the encoder without them', async () => {
    const { train, test } = moleculeData({ train: 240, test: 100 });
    const settings = { epochs: 8 };
    const withGraph = await trainMolecules(train, { ...settings, useGraph: true });
    const without = await trainMolecules(train, { ...settings, useGraph: false });
    const graphRuns = await onEveryBackend((b) => predictMolecules(b, withGraph, test, true), BACKENDS);
    const base = await onEveryBackend((b) => predictMolecules(b, without, test, false), ['tfjs']);
    const baseline = 'result' in base[0]! ? base[0].result.accuracy : NaN;
    let reference: Int32Array | undefined;
    for (const r of graphRuns) {
      if (!('result' in r)) continue;
      expect(r.result.accuracy).toBeGreaterThanOrEqual(0.9);
      expect(r.result.accuracy - baseline).toBeGreaterThanOrEqual(0.15);
      reference ??= r.result.predicted;
      expect(Array.from(r.result.predicted)).toEqual(Array.from(reference));
    }
  });
});
