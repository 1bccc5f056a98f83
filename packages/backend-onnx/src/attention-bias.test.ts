import { biasMask, boolMask, keyBand, maskTerm, prepareAttention, seededRandom, type AttentionOptions, type AttentionProblem } from '@attnkit/core';
import { makeInputs, type CaseShape } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { biasDims, BufferPool, writeBias } from './attention-bias.js';

/** The bias from core's definitions, one `keyBand`/`maskTerm` call per element. */
function expectedBias(p: AttentionProblem): Float32Array {
  const [Bb, Hb, Sq, T] = biasDims(p);
  const out = new Float32Array(Bb * Hb * Sq * T);
  for (let b = 0; b < Bb; b++)
    for (let h = 0; h < Hb; h++)
      for (let i = 0; i < Sq; i++) {
        const [lo, hi] = keyBand(p, b, i);
        for (let j = 0; j < T; j++) out[((b * Hb + h) * Sq + i) * T + j] = j >= lo && j < hi ? maskTerm(p, b, h, i, j) : -Infinity;
      }
  return out;
}

describe('writeBias', () => {
  it('equals core keyBand/maskTerm element by element for random combinations of rules', () => {
    const rng = seededRandom(77);
    for (let n = 0; n < 60; n++) {
      const Hkv = rng.int(1, 2);
      const s: CaseShape = { B: rng.int(1, 3), Hkv, Hq: Hkv * rng.int(1, 3), Sq: rng.int(1, 12), Sk: rng.int(1, 12), Dk: 2, Dv: 2, P: rng.next() < 0.3 ? rng.int(1, 5) : 0 };
      const T = s.Sk + (s.P ?? 0);
      const o: Record<string, unknown> = {};
      if (rng.next() < 0.5) o.causal = true;
      if (rng.next() < 0.5) o.window = { left: rng.int(0, 4), right: rng.next() < 0.2 ? Infinity : rng.int(0, 4) };
      if (rng.next() < 0.4) o.alibi = Array.from({ length: s.Hq }, () => rng.uniform(0, 1));
      if (rng.next() < 0.4) {
        const e: number[] = [];
        for (let i = 0; i < s.Sq; i++) for (let j = 0; j < T; j++) if (rng.next() < 0.5) e.push(i, j);
        o.graph = { edges: e };
      }
      const pick = rng.next();
      if (pick < 0.25) o.mask = boolMask(Uint8Array.from({ length: s.B * T }, () => (rng.next() < 0.7 ? 1 : 0)), [s.B, 1, 1, T]);
      else if (pick < 0.5) o.mask = biasMask(Float32Array.from({ length: s.Hq * s.Sq * T }, () => (rng.next() < 0.1 ? -Infinity : rng.uniform(-2, 2))), [s.Hq, s.Sq, T]);
      else if (pick < 0.6 && T > 1) o.mask = biasMask(Float32Array.from({ length: T - 1 }, () => rng.uniform(-1, 1)), [T - 1]);
      if (rng.next() < 0.4) {
        const lengths = Array.from({ length: s.B }, () => rng.int(0, T));
        if (!s.P && rng.next() < 0.5) o.keyLengths = lengths;
        else o.keyPadding = lengths;
      }
      const { q, k, v, past } = makeInputs(s, n);
      const p = prepareAttention(q, k, v, (past ? { ...o, past } : o) as AttentionOptions);
      const [Bb, Hb] = biasDims(p);
      const got = writeBias(p, new Float32Array(Bb * Hb * s.Sq * T).fill(Number.NaN));
      expect(got, `case ${n}: ${JSON.stringify(Object.keys(o))}`).toEqual(expectedBias(p));
    }
  });
});

describe('BufferPool', () => {
  it('hands back a returned buffer for a request it can hold', () => {
    const pool = new BufferPool(2, 1024);
    const a = pool.take(100);
    pool.give(a);
    const b = pool.take(60);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(60);
    expect(pool.take(60).buffer).not.toBe(a.buffer);
  });

  it('keeps at most `keep` buffers, the largest, and none above the size limit', () => {
    const pool = new BufferPool(2, 1024);
    const [x, y, z] = [pool.take(10), pool.take(200), pool.take(100)];
    const big = pool.take(1000); // 4000 bytes > 1024
    for (const a of [x, y, z, big]) pool.give(a);
    const got = [pool.take(1), pool.take(1), pool.take(1)].map((a) => a.buffer);
    expect(got.slice(0, 2)).toEqual(expect.arrayContaining([y.buffer, z.buffer]));
    expect(got[2]).not.toBe(x.buffer);
    expect(got).not.toContain(big.buffer);
  });
});
