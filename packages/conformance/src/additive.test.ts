/**
 * The float64 reference of additive relevance against mathematics: the closed form of a one-dimensional
 * head, zero weights giving the mean of the visible values, linearity in the weights, and invariance of the
 * output under a permutation of the keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareAttention, type AttentionOptions } from '@attnkit/core';
import { referenceAttention } from './reference-attention.js';

const t = (shape: number[], data: number[]) => ({ shape, data: Float32Array.from(data) });
const additive = (Hq: number, Dk: number, w: number[]): AttentionOptions['relevance'] => ({
  kind: 'additive',
  weights: t([Hq, Dk], w),
});

describe('additive relevance in the reference', () => {
  it('scores w·tanh(q + k) for a head of size 1', () => {
    const q = [0.5, -1],
      k = [0.25, 2, -0.75],
      w = 1.5;
    const p = prepareAttention(t([1, 1, 2, 1], q), t([1, 1, 3, 1], k), t([1, 1, 3, 1], [1, 2, 3]), {
      relevance: additive(1, 1, [w]),
      attentionMap: 'scores',
    });
    const want = q.flatMap((qi) => k.map((kj) => w * Math.tanh(Math.fround(qi) + Math.fround(kj))));
    const got = Array.from(referenceAttention(p).weights!);
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i]!, 12));
  });

  it('with zero weights, every query outputs the mean of the values it may see', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.boolean(),
        fc.array(fc.float({ min: -2, max: 2, noNaN: true }), { minLength: 64, maxLength: 64 }),
        (Sq, Sk, Dk, causal, pool) => {
          const at = (n: number, o: number) => Array.from({ length: n }, (_, i) => pool[(i + o) % 64]!);
          const p = prepareAttention(
            t([1, 1, Sq, Dk], at(Sq * Dk, 0)),
            t([1, 1, Sk, Dk], at(Sk * Dk, 7)),
            t([1, 1, Sk, 2], at(Sk * 2, 13)),
            {
              relevance: additive(
                1,
                Dk,
                Array.from({ length: Dk }, () => 0),
              ),
              causal,
            },
          );
          const out = referenceAttention(p).output;
          for (let i = 0; i < Sq; i++) {
            const seen = causal ? Math.min(Sk, i + 1) : Sk;
            for (let d = 0; d < 2; d++) {
              let mean = 0;
              for (let j = 0; j < seen; j++) mean += p.v[j * 2 + d]! / seen;
              expect(out[i * 2 + d]).toBeCloseTo(mean, 9);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('scores are linear in the weights, and the output ignores the order of the keys', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 2, max: 6 }),
        fc.float({ min: Math.fround(-3), max: Math.fround(3), noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (Dk, Sk, c, seed) => {
          let s = seed;
          const next = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
          const q = Array.from({ length: 2 * Dk }, next);
          const k = Array.from({ length: Sk * Dk }, next);
          const v = Array.from({ length: Sk * 3 }, next);
          const w = Array.from({ length: Dk }, next);
          const run = (kk: number[], vv: number[], ww: number[], map: 'scores' | 'none') =>
            referenceAttention(
              prepareAttention(t([1, 1, 2, Dk], q), t([1, 1, Sk, Dk], kk), t([1, 1, Sk, 3], vv), {
                relevance: additive(1, Dk, ww),
                attentionMap: map,
              }),
            );
          const base = run(k, v, w, 'scores');
          const scaled = run(
            k,
            v,
            w.map((x) => x * c),
            'scores',
          );
          base.weights!.forEach((x, i) => expect(scaled.weights![i]).toBeCloseTo(Math.fround(c) * x, 5));
          // Reverse the keys (and their values): the same output.
          const rev = (a: number[], n: number) =>
            Array.from({ length: Sk }, (_, j) => a.slice((Sk - 1 - j) * n, (Sk - j) * n)).flat();
          const flipped = run(rev(k, Dk), rev(v, 3), w, 'none');
          base.output.forEach((x, i) => expect(flipped.output[i]).toBeCloseTo(x, 9));
        },
      ),
      { numRuns: 60 },
    );
  });
});
