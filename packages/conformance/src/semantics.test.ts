import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyBand, maskTerm, prepareAttention, type AttentionOptions } from '@attnkit/core';
import { visible } from './reference-attention.js';

// Property: core's band helpers (which backends use to skip work) agree with the reference's rules,
// written independently from their definitions, for any valid combination of options.
const problem = fc
  .record({
    B: fc.integer({ min: 1, max: 2 }), Sq: fc.integer({ min: 1, max: 9 }), Sk: fc.integer({ min: 1, max: 9 }), P: fc.integer({ min: 0, max: 4 }),
    causal: fc.boolean(), window: fc.option(fc.record({ left: fc.integer({ min: 0, max: 5 }), right: fc.integer({ min: 0, max: 5 }) })),
    lengths: fc.option(fc.array(fc.nat(), { minLength: 2, maxLength: 2 })), pad: fc.boolean(),
    edges: fc.option(fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 })), maskBits: fc.option(fc.array(fc.boolean(), { minLength: 200, maxLength: 200 })),
  })
  .map((r) => {
    const T = r.P + r.Sk;
    const t = (S: number) => ({ shape: [r.B, 1, S, 2], data: new Float32Array(r.B * S * 2) });
    const opts: Record<string, unknown> = { causal: r.causal };
    if (r.window) opts.window = r.window;
    if (r.P > 0) opts.past = { key: t(r.P), value: t(r.P) };
    if (r.lengths) opts[r.pad || r.P > 0 ? 'keyPadding' : 'keyLengths'] = r.lengths.slice(0, r.B).map((n) => n % (T + 1));
    if (r.edges) opts.graph = { edges: r.edges.flatMap(([a, b]) => [a % r.Sq, b % T]) };
    if (r.maskBits) opts.mask = { kind: 'bool', shape: [r.Sq, T], data: Uint8Array.from(r.maskBits.slice(0, r.Sq * T), Number) };
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
