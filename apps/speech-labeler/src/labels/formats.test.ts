import { describe, expect, it } from 'vitest';
import { jsonWriter, textGridWriter, toCsv, toCsvRows, toJson, toJsonLine, toTextGrid } from './formats.js';
import { parseSegmentsJson, type Segment } from './segments.js';

const segs: Segment[] = [
  { start: 0, end: 0.12, label: 'sil' },
  { start: 0.12, end: 0.2, label: 'unvoiced_stop' },
  { start: 0.25, end: 0.4, label: 'vowel' },
];

describe('output formats', () => {
  it('JSON is the evaluation format and reads back unchanged', () => {
    expect(parseSegmentsJson(toJson(segs), 'x.json')).toEqual(segs);
  });

  it('CSV has a header and one row per segment', () => {
    expect(toCsv(segs)).toBe('start,end,label\n0,0.12,sil\n0.12,0.2,unvoiced_stop\n0.25,0.4,vowel\n');
  });

  it('TextGrid is a Praat long-format file with one tier covering the whole duration without holes', () => {
    const tg = toTextGrid(segs, 0.5);
    const lines = tg.split('\n');
    expect(lines.slice(0, 2)).toEqual(['File type = "ooTextFile"', 'Object class = "TextGrid"']);
    expect(tg).toContain('xmax = 0.5');
    expect(tg).toContain('class = "IntervalTier"');
    expect(tg).toContain('intervals: size = 5');
    // Intervals, in order: contiguous from 0 to 0.5; the gap and the tail are empty.
    const iv = [...tg.matchAll(/intervals \[\d+\]:\n\s+xmin = ([\d.]+)\n\s+xmax = ([\d.]+)\n\s+text = "(.*)"/g)].map(
      (m) => [Number(m[1]), Number(m[2]), m[3]],
    );
    expect(iv).toEqual([
      [0, 0.12, 'sil'],
      [0.12, 0.2, 'unvoiced_stop'],
      [0.2, 0.25, ''],
      [0.25, 0.4, 'vowel'],
      [0.4, 0.5, ''],
    ]);
  });

  it('writes segments one at a time as the whole-list functions do', () => {
    const parts: string[] = [];
    const j = jsonWriter((t) => void parts.push(t));
    for (const seg of segs) j.segment(seg);
    j.end();
    expect(parts.length).toBeGreaterThan(segs.length);
    expect(parts.join('')).toBe(toJson(segs));
    const tg: string[] = [];
    const w = textGridWriter((t) => void tg.push(t), 0.5);
    for (const seg of segs) w.segment(seg);
    w.end();
    expect(tg.join('')).toBe(toTextGrid(segs, 0.5));
  });

  it('for several files: one JSON line per file naming it, CSV rows with the file first (quoted when needed)', () => {
    expect(JSON.parse(toJsonLine('a b.wav', segs))).toEqual({ file: 'a b.wav', segments: segs });
    expect(toJsonLine('a.wav', segs).split('\n')).toHaveLength(2);
    expect(toCsvRows('x,"y".wav', segs.slice(0, 1))).toBe('"x,""y"".wav",0,0.12,sil\n');
  });
});
