import { describe, expect, it } from 'vitest';
import { FLITE_VOICES, fliteAvailable, fliteSpeak, parsePsdur } from './flite.js';

describe('flite', () => {
  it('parses -psdur output into phones and end times', () => {
    expect(parsePsdur('pau:0.253 dh:0.276 ax:0.307\nk:0.406 pau:0.5 \n')).toEqual([
      { phone: 'pau', end: 0.253 },
      { phone: 'dh', end: 0.276 },
      { phone: 'ax', end: 0.307 },
      { phone: 'k', end: 0.406 },
      { phone: 'pau', end: 0.5 },
    ]);
    expect(parsePsdur('no phones here')).toEqual([]);
  });

  it.skipIf(!fliteAvailable() && !process.env.CI)('speaks every voice with contiguous labelled phones', () => {
    for (const voice of FLITE_VOICES) {
      const s = fliteSpeak({ text: 'She sells sea shells.', voice, stretch: 1 });
      expect(s.sampleRate).toBe(16000);
      const duration = s.samples.length / s.sampleRate;
      expect(s.phones[0]!.start).toBe(0);
      expect(s.phones.at(-1)!.end).toBeCloseTo(duration, 6);
      for (let i = 1; i < s.phones.length; i++) expect(s.phones[i]!.start).toBe(s.phones[i - 1]!.end);
      // "she sells sea shells": four unvoiced fricatives at least (sh, s, s, sh) and a vowel
      expect(s.phones.filter((p) => p.label === 'unvoiced_fricative').length).toBeGreaterThanOrEqual(4);
      expect(s.phones.some((p) => p.label === 'vowel')).toBe(true);
    }
  });

  it('refuses a voice it does not have', () => {
    expect(() => fliteSpeak({ text: 'hello', voice: 'nobody', stretch: 1 })).toThrow(/unknown voice nobody/);
  });
});
