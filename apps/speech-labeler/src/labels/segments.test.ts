import { describe, expect, it } from 'vitest';
import { framesToSegments, parseSegmentsJson, segmentsToFrames } from './segments.js';
import { CLASSES, fold } from './classes.js';

const idx = (l: (typeof CLASSES)[number]): number => CLASSES.indexOf(l);

describe('the frame-label rule', () => {
  it('gives a frame the label of the segment containing its centre ((i + 0.5) · 10 ms)', () => {
    // Frame centres: 5, 15, 25, 35, 45 ms.
    const f = segmentsToFrames(
      [
        { start: 0.012, end: 0.025, label: 'vowel' },
        { start: 0.025, end: 0.0351, label: 'nasal' },
      ],
      5,
    );
    expect(Array.from(f)).toEqual([idx('sil'), idx('vowel'), idx('nasal'), idx('nasal'), idx('sil')]);
  });

  it('counts a centre on a boundary in the segment that starts there (start <= c < end)', () => {
    const f = segmentsToFrames(
      [
        { start: 0, end: 0.015, label: 'vowel' },
        { start: 0.015, end: 0.03, label: 'unvoiced_stop' },
      ],
      3,
    );
    expect(Array.from(f)).toEqual([idx('vowel'), idx('unvoiced_stop'), idx('unvoiced_stop')]);
  });

  it('labels frames outside every segment sil', () => {
    expect(Array.from(segmentsToFrames([], 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(segmentsToFrames([{ start: 1, end: 2, label: 'vowel' }], 3))).toEqual([0, 0, 0]);
  });

  it('merges runs of frames into segments and back', () => {
    const labels = Uint8Array.from([0, 0, 1, 1, 1, 3, 0]);
    const segs = framesToSegments(labels, 0.0649);
    expect(segs).toEqual([
      { start: 0, end: 0.02, label: 'sil' },
      { start: 0.02, end: 0.05, label: 'vowel' },
      { start: 0.05, end: 0.06, label: 'nasal' },
      { start: 0.06, end: 0.0649, label: 'sil' },
    ]);
    expect(Array.from(segmentsToFrames(segs, labels.length))).toEqual(Array.from(labels));
  });

  it('folds the 8 classes to 4', () => {
    expect(CLASSES.map(fold)).toEqual([
      'silence',
      'vowel',
      'voiced_consonant',
      'voiced_consonant',
      'voiced_consonant',
      'unvoiced_consonant',
      'voiced_consonant',
      'unvoiced_consonant',
    ]);
  });

  it('reads the evaluation format and names the file and entry that is wrong', () => {
    expect(parseSegmentsJson('{"segments":[{"start":0,"end":0.12,"label":"sil"}]}', 'a.json')).toEqual([
      { start: 0, end: 0.12, label: 'sil' },
    ]);
    expect(() => parseSegmentsJson('{"segments":[{"start":0,"end":0.1,"label":"fricative"}]}', 'b.json')).toThrow(
      /^b\.json: segments\[0\]\.label "fricative" is not one of sil, vowel/,
    );
    expect(() => parseSegmentsJson('{"segments":[{"start":0.2,"end":0.1,"label":"sil"}]}', 'c.json')).toThrow(
      /^c\.json: segments\[0\] needs numbers start <= end/,
    );
    expect(() => parseSegmentsJson('[1,2', 'd.json')).toThrow(/^d\.json: not valid JSON/);
  });
});
