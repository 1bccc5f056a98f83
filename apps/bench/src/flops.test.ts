import { describe, expect, it } from 'vitest';
import { DEFAULT_ENCODER_SPEC } from './encoder-spec.js';
import { attentionFlops, encoderFlops, gflops, visiblePairs } from './flops.js';

describe('the GFLOP/s formula', () => {
  it('counts 4·B·H·S²·D FLOPs for unmasked attention, useful and dense alike', () => {
    const f = attentionFlops(2, 8, 512, 64);
    expect(f.dense).toBe(4 * 2 * 8 * 512 * 512 * 64);
    expect(f.useful).toBe(f.dense);
  });

  it('counts only the visible (query, key) pairs as useful: S(S+1)/2 for causal', () => {
    expect(visiblePairs(4, { causal: true })).toBe(10);
    const f = attentionFlops(1, 1, 1000, 32, { causal: true });
    expect(f.useful).toBe((4 * 32 * (1000 * 1001)) / 2);
    expect(f.dense).toBe(4 * 32 * 1000 * 1000);
  });

  it('counts a window of w keys on each side, clipped at the edges', () => {
    // S=6, w=1: rows see 2,3,3,3,3,2 keys
    expect(visiblePairs(6, { window: { left: 1, right: 1 } })).toBe(16);
    // far from the edges every query sees 2w+1 keys: S(2w+1) - w(w+1)
    expect(visiblePairs(4096, { window: { left: 128, right: 128 } })).toBe(4096 * 257 - 128 * 129);
    // a window wider than the sequence is the whole sequence
    expect(visiblePairs(10, { window: { left: 50, right: 50 } })).toBe(100);
    // causal and window together: the last w keys and the query itself
    expect(visiblePairs(5, { causal: true, window: { left: 1, right: 1 } })).toBe(9);
  });

  it('turns FLOPs and milliseconds into GFLOP/s', () => {
    expect(gflops(2e9, 1000)).toBe(2);
    expect(gflops(5e8, 10)).toBe(50);
  });

  it('counts the encoder as its linear layers plus its windowed attention', () => {
    const S = 1000;
    const d = 64,
      ffn = 256,
      F = 40,
      C = 8,
      layers = 4,
      H = 4,
      Dh = 16;
    const perPosition = 2 * d * 3 * d + 2 * d * d + 4 * d * ffn;
    const visible = visiblePairs(S, { window: { left: 64, right: 64 } });
    const expected = S * (2 * F * d + 2 * d * C) + layers * (S * perPosition + 2 * H * 2 * Dh * visible);
    const f = encoderFlops(DEFAULT_ENCODER_SPEC, 1, S);
    expect(f.useful).toBe(expected);
    expect(f.dense).toBeGreaterThan(f.useful);
  });
});
