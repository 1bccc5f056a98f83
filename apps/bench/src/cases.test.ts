import { describe, expect, it } from 'vitest';
import { attentionCase, attentionOptions, caseFlops, encoderCase, peerUnsupported } from './cases.js';
import { DEFAULT_ENCODER_SPEC } from './encoder-spec.js';
import { attentionFlops, encoderFlops } from './flops.js';

const shape = { batch: 2, heads: 4, seq: 256, headDim: 32 };

describe("a case's mask as attention options", () => {
  it('is no option without a mask, causal for a causal mask, and the same width on both sides for a window', () => {
    expect(attentionOptions(attentionCase({ ...shape, mask: 'none' }, 'seq'))).toEqual({});
    expect(attentionOptions(attentionCase({ ...shape, mask: 'causal' }, 'seq'))).toEqual({ causal: true });
    expect(attentionOptions(attentionCase({ ...shape, mask: 'window', window: 16 }, 'seq'))).toEqual({
      window: { left: 16, right: 16 },
    });
  });
});

describe("a case's FLOPs", () => {
  it('are those of attention of its shape under its mask', () => {
    const S = shape.seq;
    const perPair = 2 * shape.batch * shape.heads * 2 * shape.headDim;
    expect(caseFlops(attentionCase({ ...shape, mask: 'none' }, 'seq'))).toEqual({
      useful: perPair * S * S,
      dense: perPair * S * S,
    });
    expect(caseFlops(attentionCase({ ...shape, mask: 'causal' }, 'seq'))).toEqual({
      useful: (perPair * S * (S + 1)) / 2,
      dense: perPair * S * S,
    });
    expect(caseFlops(attentionCase({ ...shape, mask: 'window', window: 16 }, 'seq'))).toEqual(
      attentionFlops(shape.batch, shape.heads, S, shape.headDim, { window: { left: 16, right: 16 } }),
    );
  });

  it('are those of the encoder of its spec, batch and length', () => {
    expect(caseFlops(encoderCase(DEFAULT_ENCODER_SPEC, 'built-in', 300, 2))).toEqual(
      encoderFlops(DEFAULT_ENCODER_SPEC, 2, 300),
    );
  });
});

describe('additive relevance cases', () => {
  const shape = { batch: 1, heads: 2, seq: 8, headDim: 4, mask: 'none' as const };
  it('carry per-head weights [H, D], count 4·D FLOPs per pair for the scores, and are not for peers', () => {
    const c = attentionCase({ ...shape, relevance: 'additive' }, 'relevance');
    expect(c.id).toBe('attention/additive-none/B1-H2-S8-D4');
    const o = attentionOptions(c);
    expect(o.relevance).toMatchObject({ kind: 'additive', weights: { shape: [2, 4] } });
    // (4·D + 2·D) per pair, B·H·S² pairs.
    expect(caseFlops(c)).toEqual({ useful: 2 * 64 * 24, dense: 2 * 64 * 24 });
    expect(peerUnsupported(c)).toMatch(/dot-product/);
    expect(peerUnsupported(attentionCase(shape, 'relevance'))).toBeUndefined();
  });
});

describe('float16 cases', () => {
  it('pair each float16 case with its float32 twin, count the same FLOPs, and run on peers that say they have float16 attention', async () => {
    const { buildMatrix } = await import('./cases.js');
    const { DEFAULT_ENCODER_SPEC: spec } = await import('./encoder-spec.js');
    const cases = buildMatrix({ full: false, window: 64, encoder: { spec, source: 'default' } });
    const half = cases.filter((c) => c.kind === 'attention' && c.dtype === 'float16');
    expect(half.map((c) => c.id)).toEqual([
      'attention/float16-none/B1-H8-S512-D64',
      'attention/float16-causal/B1-H8-S1024-D64',
    ]);
    for (const c of half) {
      const twin = cases.find((x) => x.id === c.id.replace('float16-', ''))!;
      expect(twin).toBeDefined();
      expect(caseFlops(c)).toEqual(caseFlops(twin));
      expect(peerUnsupported(c)).toMatch(/no float16 attention/);
      expect(peerUnsupported(c, { attention: true })).toBeUndefined();
    }
    const encoder = cases.find((c) => c.kind === 'encoder' && c.dtype === 'float16')!;
    expect(peerUnsupported(encoder, { attention: true })).toMatch(/float16 encoder/);
  });
});
