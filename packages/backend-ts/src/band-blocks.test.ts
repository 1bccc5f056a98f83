/**
 * Bands that move along the rows (local windows, the causal diagonal), which the kernel runs in blocks of
 * 16 rows over each block's own keys when that computes fewer scores: every output row, including rows at
 * block edges and rows that see no key, matches the float64 reference.
 */
import { prepareAttention, seededRandom, type AttentionOptions } from '@attnkit/core';
import { maxAbsDiff, referenceAttention } from '@attnkit/conformance';
import { afterAll, describe, expect, it } from 'vitest';
import { createTsBackend } from './ts-backend.js';

function tensor(shape: number[], seed: number): { shape: number[]; data: Float32Array } {
  const rng = seededRandom(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-2, 2);
  return { shape, data };
}

const cases: { name: string; B: number; H: number; Sq: number; T: number; D: number; options: AttentionOptions }[] = [
  {
    name: 'window -5/+20, one batch padded to 77 keys',
    B: 2,
    H: 2,
    Sq: 200,
    T: 200,
    D: 24,
    options: { window: { left: 5, right: 20 }, keyLengths: [200, 77] },
  },
  {
    name: 'causal window of 16 back',
    B: 1,
    H: 3,
    Sq: 300,
    T: 300,
    D: 64,
    options: { causal: true, window: { left: 16, right: 0 } },
  },
  {
    name: 'window ±16 (the speech labeler)',
    B: 1,
    H: 4,
    Sq: 346,
    T: 346,
    D: 16,
    options: { window: { left: 16, right: 16 } },
  },
  {
    name: 'window 0/+3, fewer queries than keys',
    B: 1,
    H: 2,
    Sq: 150,
    T: 400,
    D: 20,
    options: { window: { left: 0, right: 3 } },
  },
  { name: 'causal, long', B: 1, H: 2, Sq: 333, T: 333, D: 32, options: { causal: true } },
];

describe.each([1, 2])('moving bands on %i thread(s)', (threads) => {
  const backend = createTsBackend({ threads });
  afterAll(() => backend.dispose());
  it.each(cases)('$name', async ({ B, H, Sq, T, D, options }) => {
    const q = tensor([B, H, Sq, D], 1),
      k = tensor([B, H, T, D], 2),
      v = tensor([B, H, T, D], 3);
    const expected = referenceAttention(prepareAttention(q, k, v, options)).output;
    const { output } = await backend.attention(q, k, v, options);
    expect(maxAbsDiff(output.data, expected)).toBeLessThan(2e-5);
  });
});
