import { describe, expect, it } from 'vitest';
import { Confusion } from './confusion.js';

describe('frame scoring', () => {
  it('counts reference × labelled, accuracy, per-class accuracy, folding to 4', () => {
    const c = new Confusion();
    // ref: sil sil vowel vowel nasal unvoiced_stop ; hyp: sil vowel vowel vowel voiced_stop unvoiced_fricative
    c.add([0, 0, 1, 1, 3, 7], [0, 1, 1, 1, 6, 5]);
    expect(c.total).toBe(6);
    expect(c.accuracy).toBeCloseTo(3 / 6);
    expect(c.perClass().slice(0, 4)).toEqual([0.5, 1, NaN, 0]);
    const f = c.folded();
    // nasal→voiced stop stays voiced consonant; unvoiced stop→unvoiced fricative stays unvoiced consonant.
    expect(f.accuracy).toBeCloseTo(5 / 6);
    expect(c.format()).toMatch(/confusion matrix/);
  });
});
