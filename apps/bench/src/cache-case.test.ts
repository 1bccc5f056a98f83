import { describe, expect, it } from 'vitest';
import { cacheCase } from './cache-case.js';
import { attentionOptions, buildMatrix, caseFlops, describeCase } from './cases.js';
import { DEFAULT_ENCODER_SPEC } from './encoder-spec.js';
describe('decoding through a cache', () => {
  const c = cacheCase({ batch: 1, heads: 32, kvHeads: 8, seq: 4096, headDim: 128 }, 256);
  it('is named by its heads, capacity, head size and steps, and has one query per step', () => {
    expect(c.id).toBe('decode-cache/B1-H32-KV8-C4096-D128-256steps');
    expect(c.id).toContain('decode');
    expect(c.qLength).toBe(256);
    expect(attentionOptions(c)).toEqual({});
    expect(describeCase(c)).toBe('decode through a cache B1 H32 KV8 D128: 256 steps to C4096');
  });

  it('counts the entries each step sees: the 3840 filled before the run and its own predecessors', () => {
    // Step t sees 3840 + t + 1 entries; 4·D FLOPs per (query head, entry).
    let pairs = 0;
    for (let t = 0; t < 256; t++) pairs += 3840 + t + 1;
    const flops = 32 * 4 * 128 * pairs;
    expect(caseFlops(c)).toEqual({ useful: flops, dense: flops });
  });

  it('is in the quick matrix at capacity 512 and in the full one at 1024 and 4096, 256 steps each', async () => {
    const ids = (full: boolean) =>
      buildMatrix({ full, window: 64, encoder: { spec: DEFAULT_ENCODER_SPEC, source: 'default' } })
        .filter((x) => x.kind === 'attention' && x.steps !== undefined)
        .map((x) => x.id);
    expect(ids(false)).toEqual(['decode-cache/B1-H32-KV8-C512-D128-256steps']);
    expect(ids(true)).toEqual([
      'decode-cache/B1-H32-KV8-C1024-D128-256steps',
      'decode-cache/B1-H32-KV8-C4096-D128-256steps',
    ]);
  });
});
