import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { textGridWriter, toTextGrid } from '../labels/formats.js';
import type { Segment } from '../labels/segments.js';
import { fileSpool } from './file-spool.js';

const parent = mkdtempSync(join(tmpdir(), 'spool-test-'));
const spools = (): string[] => readdirSync(parent);

describe('the spool in a temporary file', () => {
  it("holds a long TextGrid's intervals until its header is written, and removes itself", () => {
    // Enough intervals to fill several 64 KB blocks.
    const segs: Segment[] = Array.from({ length: 5000 }, (_, i) => ({
      start: i / 100,
      end: (i + 1) / 100,
      label: i % 2 ? 'vowel' : 'sil',
    }));
    const out: string[] = [];
    const w = textGridWriter((t) => void out.push(t), 50, fileSpool(parent));
    for (const s of segs) w.segment(s);
    expect(spools()).toHaveLength(1);
    w.end();
    expect(out.join('')).toBe(toTextGrid(segs, 50));
    expect(spools()).toEqual([]);
  });

  it('is removed when the output is abandoned', () => {
    const w = textGridWriter(() => {}, 1, fileSpool(parent));
    w.segment({ start: 0, end: 1, label: 'sil' });
    expect(spools()).toHaveLength(1);
    w.abort!();
    expect(spools()).toEqual([]);
  });
});
