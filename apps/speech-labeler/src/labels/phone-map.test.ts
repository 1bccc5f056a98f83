import { describe, expect, it } from 'vitest';
import { CLASSES } from './classes.js';
import { espeakClass, festivalClass } from './phone-map.js';

describe('phone symbols to classes', () => {
  it('maps espeak IPA phonemes by phonetics (stress and length marks ignored)', () => {
    const cases: [string, string][] = [
      ['ˈɑː', 'vowel'],
      ['ə', 'vowel'],
      ['ˌoʊ', 'vowel'],
      ['ɚ', 'vowel'],
      ['aɪ', 'vowel'],
      ['ᵻ', 'vowel'],
      ['l', 'approximant'],
      ['ɹ', 'approximant'],
      ['w', 'approximant'],
      ['j', 'approximant'],
      ['m', 'nasal'],
      ['ŋ', 'nasal'],
      ['n̩', 'nasal'],
      ['v', 'voiced_fricative'],
      ['ð', 'voiced_fricative'],
      ['ʒ', 'voiced_fricative'],
      ['dʒ', 'voiced_fricative'],
      ['f', 'unvoiced_fricative'],
      ['θ', 'unvoiced_fricative'],
      ['ʃ', 'unvoiced_fricative'],
      ['tʃ', 'unvoiced_fricative'],
      ['h', 'unvoiced_fricative'],
      ['b', 'voiced_stop'],
      ['ɡ', 'voiced_stop'],
      ['ɾ', 'voiced_stop'],
      ['p', 'unvoiced_stop'],
      ['k', 'unvoiced_stop'],
      ['ʔ', 'unvoiced_stop'],
      ['', 'sil'],
      ['_:', 'sil'],
    ];
    for (const [p, c] of cases) expect([p, espeakClass(p)]).toEqual([p, c]);
    expect(espeakClass('☃')).toBeUndefined();
  });

  it('maps festival (ARPAbet) phones', () => {
    // er is a vowel; the others are one phone of each class, in the classes' order.
    expect(festivalClass('er')).toBe('vowel');
    expect(['pau', 'aa', 'r', 'ng', 'jh', 'hh', 'dx', 't'].map((p) => festivalClass(p))).toEqual([...CLASSES]);
    expect(festivalClass('xx')).toBeUndefined();
  });

  it('maps the phone sets of the other languages by phonetics', () => {
    // One phone of each class per set, in the classes' order: silence, a vowel, a liquid or glide, a nasal,
    // a voiced fricative (or affricate), an unvoiced one, a voiced stop, an unvoiced stop.
    const sets: Record<string, string[]> = {
      italian: ['#', 'O1', 'L', 'J', 'dZ', 'tS', 'g', 'k'],
      'upc_catalan-central': ['pau', 'ax', 'rr', 'J', 'Z', 'S', 'b', 'p'],
      msu_ru: ['pau', 'yy', 'll', 'nn', 'zh', 'sch', 'dd', 'kk'],
      finnish: ['##', 'y:', 'v', 'N', 'D', 'h:', 'g', 't:'],
    };
    for (const [set, phones] of Object.entries(sets))
      expect([set, phones.map((p) => festivalClass(p, set))]).toEqual([set, [...CLASSES]]);
    expect(festivalClass('xx', 'italian')).toBeUndefined();
    expect(festivalClass('a', 'klingon')).toBeUndefined();
  });
});
