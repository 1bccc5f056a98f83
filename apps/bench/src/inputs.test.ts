import { describe, expect, it } from 'vitest';
import { attentionCase } from './cases.js';
import { maskBand, maskBias } from './inputs.js';

describe('the additive masks of the peers', () => {
  it('let a query see every key without causal or window', () => {
    expect(maskBand({})).toBeUndefined();
    expect(maskBias(attentionCase({ batch: 1, heads: 1, seq: 3, headDim: 4, mask: 'none' }, 'seq'))).toBeUndefined();
  });

  it('let a query see the keys up to itself (causal), within the window, or both', () => {
    expect(maskBand({ causal: true })).toEqual({ left: Infinity, right: 0 });
    expect(maskBand({ window: { left: 2, right: 3 } })).toEqual({ left: 2, right: 3 });
    expect(maskBand({ causal: true, window: { left: 2, right: 3 } })).toEqual({ left: 2, right: 0 });
    // an encoder layer's resolved attention
    expect(maskBand({ causal: false, window: undefined })).toBeUndefined();
  });

  it('are 0 where a query may attend and -Infinity elsewhere, [S, S]', () => {
    const X = -Infinity;
    expect([...maskBias(attentionCase({ batch: 1, heads: 1, seq: 3, headDim: 4, mask: 'causal' }, 'seq'))!]).toEqual([
      0,
      X,
      X,
      0,
      0,
      X,
      0,
      0,
      0,
    ]);
    expect([
      ...maskBias(attentionCase({ batch: 1, heads: 1, seq: 4, headDim: 4, mask: 'window', window: 1 }, 'seq'))!,
    ]).toEqual([0, 0, X, X, 0, 0, 0, X, X, 0, 0, 0, X, X, 0, 0]);
  });
});
