import { describe, expect, it } from 'vitest';
import {
  FLOOR_MARGIN_DB,
  FLOOR_REACH_FRAMES,
  SILENCE_FLOOR_DBFS,
  SILENCE_REACH_FRAMES,
  SilenceGate,
} from './silence-floor.js';

/** Runs the gate over `levels` and `labels`, pushed in pieces of `levelStep` and `labelStep` frames. */
function gate(
  levels: number[],
  labels: number[],
  levelStep: number,
  labelStep: number,
): { labels: number[]; confidence: number[] } {
  const out: number[] = [],
    conf: number[] = [];
  const g = new SilenceGate(levels.length, (first, l, c) => {
    expect(first).toBe(out.length);
    out.push(...l);
    conf.push(...c);
  });
  for (let i = 0, j = 0; i < levels.length || j < labels.length;) {
    if (i < levels.length) g.pushLevels(Float32Array.from(levels.slice(i, (i += levelStep))));
    if (j < labels.length) {
      const piece = Uint8Array.from(labels.slice(j, (j += labelStep)));
      g.pushLabels(piece, new Float32Array(piece.length).fill(0.5));
    }
  }
  g.finish();
  return { labels: out, confidence: conf };
}

describe('the silence rule', () => {
  const R = SILENCE_REACH_FRAMES;
  const quiet = SILENCE_FLOOR_DBFS - 10,
    loud = SILENCE_FLOOR_DBFS + 10;

  it(`sets \`sil\` (confidence 1) where no frame within ±${R} frames reaches ${SILENCE_FLOOR_DBFS} dBFS, and keeps the model's labels elsewhere`, () => {
    // Quiet, one loud frame at 100, quiet, digital silence at the end.
    const levels = Array.from({ length: 300 }, (_, i) => (i === 100 ? loud : i >= 250 ? -Infinity : quiet));
    const labels = Array.from({ length: 300 }, () => 1);
    const r = gate(levels, labels, 300, 300);
    const want = levels.map((_, i) => (Math.abs(i - 100) <= R ? 1 : 0));
    expect(r.labels).toEqual(want);
    expect(r.confidence).toEqual(want.map((l) => (l === 0 ? 1 : 0.5)));
  });

  it('gives the same labels whatever the pieces the levels and labels come in', () => {
    const levels = Array.from({ length: 500 }, (_, i) => (Math.sin(i / 9) > 0.8 ? loud : quiet));
    const labels = Array.from({ length: 500 }, (_, i) => 1 + (i % 7));
    const whole = gate(levels, labels, 500, 500).labels;
    expect(whole.filter((l) => l === 0).length).toBeGreaterThan(50);
    for (const [a, b] of [
      [1, 1],
      [7, 250],
      [250, 3],
      [33, 17],
    ] as const)
      expect(gate(levels, labels, a, b).labels).toEqual(whole);
  });

  it(`sets \`sil\` in steady noise above the floor: no frame within ±${R} frames ${FLOOR_MARGIN_DB} dB above the lowest within ±${FLOOR_REACH_FRAMES}`, () => {
    const noise = SILENCE_FLOOR_DBFS + 20;
    // Noise wobbling by less than the margin, a burst well above it at 300, and digital silence at 600.
    const levels = Array.from({ length: 800 }, (_, i) =>
      i === 600
        ? -Infinity
        : i === 300
          ? noise + FLOOR_MARGIN_DB + 1
          : noise + (FLOOR_MARGIN_DB - 1) * Math.abs(Math.sin(i / 5)),
    );
    const labels = Array.from({ length: 800 }, () => 3);
    const r = gate(levels, labels, 37, 800).labels;
    for (let i = 0; i < 800; i++) {
      const burst = Math.abs(i - 300) <= R;
      const digital = Math.abs(i - 600) <= FLOOR_REACH_FRAMES;
      expect(r[i], `frame ${i}`).toBe(burst || digital ? 3 : 0);
    }
  });

  it('says when it did not get every frame', () => {
    const g = new SilenceGate(10, () => {});
    g.pushLevels(new Float32Array(10));
    g.pushLabels(new Uint8Array(4), new Float32Array(4));
    expect(() => g.finish()).toThrow('SilenceGate: 10 levels and 4 labels pushed, 10 frames announced');
  });
});
