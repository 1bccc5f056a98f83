import { describe, expect, it } from 'vitest';
import { initWeights, resolveSpec, seededRandom, type ModelSpec, type ResolvedSpec, type Tensor } from '@attnkit/core';
import { assertClose, referenceModel } from '@attnkit/conformance';
import { createTrainer, type TrainingBatch } from './index.js';

type Arrays = ReadonlyMap<string, ArrayLike<number>>;

/** Mean cross-entropy of the float64 reference model over the counted positions (or sequences). */
function referenceLoss(spec: ResolvedSpec, weights: Arrays, batch: TrainingBatch): number {
  const [B, S] = batch.input.shape as [number, number, number];
  const lengths = batch.lengths ? Array.from(batch.lengths) : Array.from({ length: B }, () => S);
  const { logits } = referenceModel(spec, weights, batch.input.data, B, S, lengths);
  const C = spec.output.classes;
  const pooled = spec.output.kind === 'pooled';
  let total = 0,
    n = 0;
  for (let r = 0; r < (pooled ? B : B * S); r++) {
    if (!pooled && r % S >= lengths[Math.floor(r / S)]!) continue;
    const row = Array.from(logits.subarray(r * C, (r + 1) * C));
    const max = Math.max(...row);
    const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    total += lse - row[batch.labels[r]!]!;
    n++;
  }
  return total / n;
}

function randomBatch(spec: ResolvedSpec, B: number, S: number, lengths: number[], seed: number): TrainingBatch {
  const rng = seededRandom(seed);
  const C = spec.output.classes;
  const input: Tensor = {
    shape: [B, S, spec.inputSize],
    data: Float32Array.from({ length: B * S * spec.inputSize }, () => rng.uniform(-1, 1)),
  };
  const labels = Int32Array.from({ length: spec.output.kind === 'pooled' ? B : B * S }, () => rng.int(0, C - 1));
  return { input, labels, lengths };
}

const base = { type: 'transformer-encoder', inputSize: 3, dModel: 8, heads: 2, layers: 2, ffnSize: 8 } as const;

/** Specs covering every part of the forward pass that the gradients flow through. */
const SPECS: Record<string, { spec: ModelSpec; lengths: number[] }> = {
  'pre-norm, GELU, sinusoidal, causal, grouped heads, per position': {
    spec: { ...base, kvHeads: 1, attention: { causal: true }, output: { kind: 'per-position', classes: 3 } },
    lengths: [5, 3],
  },
  'post-norm, ReLU, RoPE, window, pooled': {
    spec: {
      ...base,
      norm: 'post',
      activation: 'relu',
      positional: { kind: 'rope' },
      attention: { window: { left: 1, right: 1 } },
      output: { kind: 'pooled', classes: 3 },
    },
    lengths: [5, 2],
  },
  'ALiBi, window that leaves padded rows empty, per position': {
    spec: {
      ...base,
      positional: { kind: 'alibi' },
      attention: [{ window: { left: 1, right: 0 } }, {}],
      output: { kind: 'per-position', classes: 4 },
    },
    lengths: [5, 2],
  },
  'learned positions, pooled': {
    spec: { ...base, layers: 1, positional: { kind: 'learned', maxLength: 6 }, output: { kind: 'pooled', classes: 2 } },
    lengths: [4, 5],
  },
};

describe('trainer', () => {
  for (const [name, { spec, lengths }] of Object.entries(SPECS))
    for (const strategy of ['batched', 'per-head'] as const) {
      it(`loss and gradients match the float64 reference (${strategy}): ${name}`, async () => {
        const r = resolveSpec(spec);
        const weights = initWeights(r, { seed: 11, randomAll: true });
        const batch = randomBatch(r, 2, 5, lengths, 5);
        const w64 = new Map([...weights].map(([k, t]) => [k, Float64Array.from(t.data)]));
        // One SGD step with learning rate 1 moves each weight by exactly minus its gradient.
        const trainer = await createTrainer(spec, { weights, optimizer: 'sgd', learningRate: 1, strategy });
        try {
          const { loss } = await trainer.step(batch);
          expect(loss).toBeCloseTo(referenceLoss(r, w64, batch), 5);
          const after = await trainer.exportWeights();
          for (const [wName, w] of w64) {
            const expected = new Float64Array(w.length);
            const eps = 1e-5;
            for (let i = 0; i < w.length; i++) {
              const x = w[i]!;
              w[i] = x + eps;
              const up = referenceLoss(r, w64, batch);
              w[i] = x - eps;
              const down = referenceLoss(r, w64, batch);
              w[i] = x;
              expected[i] = (up - down) / (2 * eps);
            }
            const moved = after.get(wName)!.data;
            const gradient = Float64Array.from(moved, (y, i) => weights.get(wName)!.data[i]! - y);
            assertClose(gradient, expected, { abs: 2e-5, rel: 1e-3 }, `gradient of ${wName}`);
          }
        } finally {
          await trainer.dispose();
        }
      });
    }

  it('is deterministic: the same seed and batches give identical weights', async () => {
    const spec = SPECS['pre-norm, GELU, sinusoidal, causal, grouped heads, per position']!.spec;
    const r = resolveSpec(spec);
    const batches = [1, 2, 3].map((s) => randomBatch(r, 2, 5, [5, 4], s));
    const run = async (seed: number): Promise<{ losses: number[]; weights: Map<string, Tensor> }> => {
      const t = await createTrainer(spec, { seed, learningRate: 1e-2 });
      const losses: number[] = [];
      for (const b of batches) losses.push((await t.step(b)).loss);
      const weights = await t.exportWeights();
      expect(t.steps).toBe(3);
      await t.dispose();
      return { losses, weights };
    };
    const a = await run(4),
      b = await run(4),
      c = await run(5);
    expect(b.losses).toEqual(a.losses);
    for (const [n, t] of a.weights) expect(b.weights.get(n)!.data).toEqual(t.data);
    expect(c.weights.get('input.weight')!.data).not.toEqual(a.weights.get('input.weight')!.data);
  });

  it('a step with an aborted signal rejects with ERR_ABORTED and changes nothing', async () => {
    const spec = SPECS['pre-norm, GELU, sinusoidal, causal, grouped heads, per position']!.spec;
    const batch = randomBatch(resolveSpec(spec), 2, 5, [5, 4], 1);
    const t = await createTrainer(spec, { seed: 4, learningRate: 1e-2 });
    const before = await t.exportWeights();
    await expect(t.step(batch, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(t.steps).toBe(0);
    for (const [n, w] of await t.exportWeights()) expect(w.data).toEqual(before.get(n)!.data);
    // Still trains, with a signal that is not aborted.
    await t.step(batch, { signal: new AbortController().signal });
    expect(t.steps).toBe(1);
    await t.dispose();
  });

  it('starts from the seeded weights of core’s initWeights', async () => {
    const spec = SPECS['learned positions, pooled']!.spec;
    const t = await createTrainer(spec, { seed: 9 });
    const exported = await t.exportWeights();
    for (const [n, w] of initWeights(spec, { seed: 9 })) expect(exported.get(n)!.data).toEqual(w.data);
    await t.dispose();
  });

  it('refuses bad batches and options with errors that name the argument', async () => {
    const spec = SPECS['pre-norm, GELU, sinusoidal, causal, grouped heads, per position']!.spec;
    const r = resolveSpec(spec);
    await expect(createTrainer(spec, { learningRate: 0 })).rejects.toMatchObject({
      code: 'ERR_RANGE',
      argument: 'options.learningRate',
    });
    const t = await createTrainer(spec);
    const good = randomBatch(r, 2, 5, [5, 4], 1);
    await expect(t.step({ ...good, labels: new Int32Array(9) })).rejects.toMatchObject({
      code: 'ERR_SHAPE',
      argument: 'batch.labels',
    });
    await expect(t.step({ ...good, labels: new Int32Array(10).fill(3) })).rejects.toMatchObject({
      code: 'ERR_RANGE',
      argument: 'batch.labels',
    });
    await expect(t.step({ ...good, input: { shape: [2, 5, 4], data: new Float32Array(40) } })).rejects.toMatchObject({
      code: 'ERR_SHAPE',
      argument: 'input',
    });
    // Labels at padded positions are ignored, whatever they hold.
    const padded = Int32Array.from(good.labels);
    padded[9] = -1;
    await expect(t.step({ ...good, labels: padded })).resolves.toMatchObject({ loss: expect.any(Number) });
    await t.dispose();
    await expect(t.step(good)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

describe('Trainer.fit', () => {
  const spec = resolveSpec({ ...base, output: { kind: 'per-position', classes: 3 } });
  const batches = [0, 1, 2].map((i) => randomBatch(spec, 2, 4, [4, 3], 70 + i));

  it('steps through every batch per epoch, reporting progress to exactly 1, from the reference loss', async () => {
    const trainer = await createTrainer(spec, { seed: 4, optimizer: 'sgd', learningRate: 0.05 });
    try {
      const w = new Map([...initWeights(spec, { seed: 4 })].map(([n, t]) => [n, t.data]));
      const seen: { fraction: number; loss: number; epoch: number; step: number }[] = [];
      const { epochs } = await trainer.fit(batches, { epochs: 2, onProgress: (p) => seen.push(p) });
      expect(trainer.steps).toBe(6);
      expect(seen.map((p) => [p.epoch, p.step])).toEqual([
        [0, 1],
        [0, 2],
        [0, 3],
        [1, 1],
        [1, 2],
        [1, 3],
      ]);
      expect(seen.at(-1)!.fraction).toBe(1);
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.fraction).toBeGreaterThan(seen[i - 1]!.fraction);
      // The first step reports the loss of the initial weights: the float64 reference model's.
      expect(seen[0]!.loss).toBeCloseTo(referenceLoss(spec, w, batches[0]!), 4);
      const mean = (e: number) => seen.filter((p) => p.epoch === e).reduce((s, p) => s + p.loss, 0) / 3;
      expect(epochs[0]!.loss).toBeCloseTo(mean(0), 10);
      expect(epochs[1]!.loss).toBeCloseTo(mean(1), 10);
    } finally {
      await trainer.dispose();
    }
  });

  it('stops before the next step when its signal aborts, keeping the updates made', async () => {
    const trainer = await createTrainer(spec, { seed: 5 });
    try {
      const controller = new AbortController();
      const fit = trainer.fit(batches, {
        epochs: 3,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step === 2) controller.abort();
        },
      });
      await expect(fit).rejects.toMatchObject({ code: 'ERR_ABORTED' });
      expect(trainer.steps).toBe(2);
      await expect(trainer.fit([], {})).rejects.toMatchObject({ code: 'ERR_TYPE' });
      await expect(trainer.fit(batches, { epochs: 0 })).rejects.toMatchObject({ code: 'ERR_OPTION' });
    } finally {
      await trainer.dispose();
    }
  });
});
