import { describe, expect, it } from 'vitest';
import { sentences } from './texts.js';
import { phonesToSegments } from './generate.js';
import { fixLateSonorants, type Phone } from './espeak.js';

describe('texts', () => {
  it('are the same for the same seed, and held-out sentences never occur in training', () => {
    expect(sentences(5, 20, 'train')).toEqual(sentences(5, 20, 'train'));
    const train = new Set(sentences(7920, 1200, 'train'));
    const held = sentences(15840, 200, 'heldout');
    expect(held.filter((s) => train.has(s))).toEqual([]);
  });
});

describe('generated labels', () => {
  it('merge neighbouring phones of one class into one segment', () => {
    const p = (start: number, end: number, label: Phone['label']): Phone => ({ start, end, label, phone: '?' });
    expect(
      phonesToSegments([p(0, 0.1, 'sil'), p(0.1, 0.2, 'vowel'), p(0.2, 0.25, 'vowel'), p(0.25, 0.3, 'nasal')]),
    ).toEqual([
      { start: 0, end: 0.1, label: 'sil' },
      { start: 0.1, end: 0.25, label: 'vowel' },
      { start: 0.25, end: 0.3, label: 'nasal' },
    ]);
  });

  it('move a silent post-vocalic sonorant back over the end of the vowel; its silence goes to the next stop', () => {
    // 1 s at 1 kHz: loud vowel 0-0.3 s, silent "l" span 0.3-0.35 s, loud stop burst 0.35-0.4 s.
    const x = Float32Array.from({ length: 1000 }, (_, i) => (i < 300 || (i >= 350 && i < 400) ? Math.sin(i) : 0));
    const phones: Phone[] = [
      { start: 0, end: 0.3, phone: 'eɪ', label: 'vowel' },
      { start: 0.3, end: 0.35, phone: 'l', label: 'approximant' },
      { start: 0.35, end: 0.4, phone: 'd', label: 'voiced_stop' },
    ];
    const fixed = fixLateSonorants(phones, x, 1000);
    expect(fixed.map((p) => [p.label, +p.start.toFixed(3), +p.end.toFixed(3)])).toEqual([
      ['vowel', 0, 0.22],
      ['approximant', 0.22, 0.3],
      ['voiced_stop', 0.3, 0.4],
    ]);
  });
});
