import { describe, expect, it } from 'vitest';
import { median, quantileSorted, summarize } from './stats.js';

describe('statistics of repeated timings', () => {
  it('takes the middle sample as the median of an odd count, the mean of the two middle ones otherwise', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('interpolates quantiles linearly between closest ranks', () => {
    const s = [10, 20, 30, 40, 50];
    expect(quantileSorted(s, 0)).toBe(10);
    expect(quantileSorted(s, 0.25)).toBe(20);
    expect(quantileSorted(s, 0.1)).toBeCloseTo(14);
    expect(quantileSorted(s, 1)).toBe(50);
    expect(() => quantileSorted([], 0.5)).toThrow(/no samples/);
    expect(() => quantileSorted(s, 1.5)).toThrow(/\[0, 1\]/);
  });

  it('summarises median, quartiles, interquartile range, MAD and relative spread from known data', () => {
    const s = summarize([12, 10, 11, 30, 13, 11, 12, 10]);
    // sorted: 10 10 11 11 12 12 13 30
    expect(s.n).toBe(8);
    expect(s.median).toBe(11.5);
    expect(s.min).toBe(10);
    expect(s.max).toBe(30);
    expect(s.mean).toBeCloseTo(13.625);
    expect(s.p25).toBeCloseTo(10.75);
    expect(s.p75).toBeCloseTo(12.25);
    expect(s.iqr).toBeCloseTo(1.5);
    // |x - 11.5|: 1.5 1.5 0.5 0.5 0.5 0.5 1.5 18.5 → median 1
    expect(s.mad).toBe(1);
    expect(s.relSpread).toBeCloseTo(1.5 / 11.5);
  });

  it('is robust to one outlier, where the mean is not', () => {
    const s = summarize([100, 101, 99, 100, 1000]);
    expect(s.median).toBe(100);
    expect(s.mean).toBeGreaterThan(250);
  });

  it('gives zero spread for a single sample and refuses none', () => {
    expect(summarize([3])).toMatchObject({ median: 3, iqr: 0, relSpread: 0, mad: 0 });
    expect(() => summarize([])).toThrow(/no samples/);
  });
});
