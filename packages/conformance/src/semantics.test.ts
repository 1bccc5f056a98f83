import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { biasExtents, keyBand, maskTerm, prepareAttention, writeDenseBias, type AttentionOptions } from '@attnkit/core';
import { referenceBias, visible } from './reference-attention.js';

/** A `[B, H, S, 2]` tensor of zeros (the values do not matter to masking). */
const tensor = (B: number, H: number, S: number) => ({ shape: [B, H, S, 2], data: new Float32Array(B * H * S * 2) });

/**
 * The lengths and the structural options both properties vary (causal, a window, a past, key lengths or
 * padding, a graph), each at most `maxS` queries or keys, `maxP` past keys and `maxW` window sides.
 */
const structure = (maxS: number, maxP: number, maxW: number) => ({
  Sq: fc.integer({ min: 1, max: maxS }),
  Sk: fc.integer({ min: 1, max: maxS }),
  P: fc.integer({ min: 0, max: maxP }),
  causal: fc.boolean(),
  window: fc.option(fc.record({ left: fc.integer({ min: 0, max: maxW }), right: fc.integer({ min: 0, max: maxW }) })),
  lengths: fc.option(fc.array(fc.nat(), { minLength: 2, maxLength: 2 })),
  pad: fc.boolean(),
  edges: fc.option(fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 })),
});

interface Structure {
  readonly B: number;
  readonly Sq: number;
  readonly Sk: number;
  readonly P: number;
  readonly causal: boolean;
  readonly window: { left: number; right: number } | null;
  readonly lengths: number[] | null;
  readonly pad: boolean;
  readonly edges: [number, number][] | null;
}

/** The options of a drawn {@link structure} (of `B` sequences), brought into range. */
function structuralOptions(r: Structure): Record<string, unknown> {
  const T = r.P + r.Sk;
  const opts: Record<string, unknown> = { causal: r.causal };
  if (r.window) opts.window = r.window;
  if (r.P > 0) opts.past = { key: tensor(r.B, 1, r.P), value: tensor(r.B, 1, r.P) };
  if (r.lengths) opts[r.pad || r.P > 0 ? 'keyPadding' : 'keyLengths'] = r.lengths.slice(0, r.B).map((n) => n % (T + 1));
  if (r.edges) opts.graph = { edges: r.edges.flatMap(([a, b]) => [a % r.Sq, b % T]) };
  return opts;
}

// Property: core's band helpers (which backends use to skip work) agree with the reference's rules,
// written independently from their definitions, for any valid combination of options.
const problem = fc
  .record({
    B: fc.integer({ min: 1, max: 2 }),
    ...structure(9, 4, 5),
    maskBits: fc.option(fc.array(fc.boolean(), { minLength: 200, maxLength: 200 })),
  })
  .map((r) => {
    const T = r.P + r.Sk;
    const opts = structuralOptions(r);
    if (r.maskBits)
      opts.mask = { kind: 'bool', shape: [r.Sq, T], data: Uint8Array.from(r.maskBits.slice(0, r.Sq * T), Number) };
    const t = (S: number) => tensor(r.B, 1, S);
    return prepareAttention(t(r.Sq), t(r.Sk), t(r.Sk), opts as AttentionOptions);
  });

describe('masking semantics', () => {
  it('keyBand ∩ maskTerm selects exactly the keys the reference finds visible', () => {
    fc.assert(
      fc.property(problem, (p) => {
        for (let b = 0; b < p.batch; b++)
          for (let i = 0; i < p.qLength; i++) {
            const [lo, hi] = keyBand(p, b, i);
            for (let j = 0; j < p.keyLength; j++) {
              const core = j >= lo && j < hi && maskTerm(p, b, 0, i, j) !== -Infinity;
              expect(core, `b=${b} i=${i} j=${j}`).toBe(visible(p, b, 0, i, j));
            }
          }
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});

// Property: the dense bias engines add to their scores (core's lowering) equals the reference's masking
// and bias, rounded once to float32, for any valid combination (bias masks over heads or batches, ALiBi,
// graphs, key lengths, causal and windows, a past), in whole and in chunks of query rows.
const biased = fc
  .record({
    B: fc.integer({ min: 1, max: 2 }),
    H: fc.integer({ min: 1, max: 3 }),
    ...structure(7, 3, 4),
    mask: fc.option(fc.constantFrom('bool-2d', 'bias-heads', 'bias-batch', 'bias-short')),
    values: fc.array(fc.float({ min: -4, max: 4, noNaN: true }), { minLength: 300, maxLength: 300 }),
    alibi: fc.boolean(),
    chunk: fc.integer({ min: 1, max: 7 }),
  })
  .map((r) => {
    const T = r.P + r.Sk;
    const t = (H: number, S: number) => tensor(r.B, H, S);
    const opts = structuralOptions(r);
    const vals = (n: number) =>
      Float32Array.from({ length: n }, (_, i) => (r.values[i % 300]! < -3.5 ? -Infinity : r.values[i % 300]!));
    if (r.mask === 'bool-2d')
      opts.mask = {
        kind: 'bool',
        shape: [r.Sq, T],
        data: Uint8Array.from({ length: r.Sq * T }, (_, i) => (r.values[i % 300]! > -2 ? 1 : 0)),
      };
    if (r.mask === 'bias-heads') opts.mask = { kind: 'bias', shape: [r.H, 1, T], data: vals(r.H * T) };
    if (r.mask === 'bias-batch') opts.mask = { kind: 'bias', shape: [r.B, 1, r.Sq, T], data: vals(r.B * r.Sq * T) };
    if (r.mask === 'bias-short' && T > 1)
      opts.mask = { kind: 'bias', shape: [r.Sq, T - 1], data: vals(r.Sq * (T - 1)) };
    if (r.alibi) opts.alibi = Array.from({ length: r.H }, (_, h) => 0.25 * (h + 1));
    return { p: prepareAttention(t(r.H, r.Sq), t(1, r.Sk), t(1, r.Sk), opts as AttentionOptions), chunk: r.chunk };
  });

describe('dense bias (lowering for engines that add a bias)', () => {
  it("equals the reference's masking and bias, in whole and by chunks of query rows", () => {
    fc.assert(
      fc.property(biased, ({ p, chunk }) => {
        const [Bb, Hb] = biasExtents(p);
        const T = p.keyLength;
        for (let i0 = 0; i0 < p.qLength; i0 += chunk) {
          const i1 = Math.min(p.qLength, i0 + chunk);
          const out = new Float32Array(Bb * Hb * (i1 - i0) * T);
          const empty = writeDenseBias(p, out, i0, i1);
          let anyEmpty = false;
          for (let b = 0; b < p.batch; b++)
            for (let h = 0; h < p.qHeads; h++)
              for (let i = i0; i < i1; i++) {
                let seen = false;
                for (let j = 0; j < T; j++) {
                  const want = Math.fround(referenceBias(p, b, h, i, j));
                  const got = out[(((Bb > 1 ? b : 0) * Hb + (Hb > 1 ? h : 0)) * (i1 - i0) + (i - i0)) * T + j];
                  // === so that a bias of -0 equals the reference's 0 + (-0) = 0
                  if (got !== want) expect(got, `b=${b} h=${h} i=${i} j=${j}`).toBe(want);
                  if (want !== -Infinity) seen = true;
                }
                if (!seen) anyEmpty = true;
              }
          expect(empty).toBe(anyEmpty);
        }
      }),
      { numRuns: 300, seed: 7 },
    );
  });
});
