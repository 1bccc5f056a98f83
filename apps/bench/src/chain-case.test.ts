import { prepareAttention, type Backend, type Tensor } from '@attnkit/core';
import { referenceAttention } from '@attnkit/conformance';
import { plugin as tsPlugin } from '@attnkit/backend-ts';
import { plugin as webgpuPlugin } from '@attnkit/backend-webgpu';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMatrix, caseFlops, describeCase, peerUnsupported } from './cases.js';
import { chainCase, prepareChain, type ChainRoad } from './chain-case.js';
import { DEFAULT_ENCODER_SPEC } from './encoder-spec.js';
import { attentionFlops } from './flops.js';
import { makeInputs } from './inputs.js';
import { selectCases } from './filters.js';

const matrix = buildMatrix({ full: false, window: 64, encoder: { spec: DEFAULT_ENCODER_SPEC, source: 'default' } });
const small = (road: ChainRoad) => chainCase({ batch: 1, heads: 2, seq: 6, headDim: 4 }, { layers: 3, road });

describe('chain cases', () => {
  it('are in the quick matrix in pairs of roads, picked by --case chain and its words, and by no attention term', () => {
    const chains = selectCases(matrix, ['chain']).map((c) => c.id);
    expect(chains).toEqual([
      'chain/handles/B1-H8-S32-D64-L4',
      'chain/arrays/B1-H8-S32-D64-L4',
      'chain/handles/B1-H8-S64-D64-L4',
      'chain/arrays/B1-H8-S64-D64-L4',
    ]);
    expect(selectCases(matrix, ['chain+handles+s64']).map((c) => c.id)).toEqual(['chain/handles/B1-H8-S64-D64-L4']);
    expect(selectCases(matrix, ['arrays+l4']).map((c) => c.id)).toEqual([
      'chain/arrays/B1-H8-S32-D64-L4',
      'chain/arrays/B1-H8-S64-D64-L4',
    ]);
    expect(selectCases(matrix, ['attention']).some((c) => c.id.startsWith('chain/'))).toBe(false);
  });

  it('count L calls of FLOPs, describe themselves, and are for attnkit backends only', () => {
    const c = small('handles');
    expect(caseFlops(c)).toEqual({
      useful: 3 * attentionFlops(1, 2, 6, 4, {}).useful,
      dense: 3 * attentionFlops(1, 2, 6, 4, {}).dense,
    });
    expect(describeCase(c)).toBe('chain of 3 on handles B1 H2 S6 D4');
    expect(peerUnsupported(c)).toMatch(/attnkit backend/);
  });
});

/** x ← attention(x, x, x) three times, in float64 between calls rounded to float32 (the calls' output type). */
function referenceChain(x: Tensor, layers: number): Float32Array {
  let cur = x;
  for (let l = 0; l < layers; l++)
    cur = { shape: x.shape, data: Float32Array.from(referenceAttention(prepareAttention(cur, cur, cur)).output) };
  return cur.data;
}

async function expectChain(backend: Backend): Promise<void> {
  const x = (makeInputs(small('arrays'), 5) as { q: Tensor }).q;
  const want = referenceChain(x, 3);
  for (const road of ['handles', 'arrays'] as const) {
    const prepared = await prepareChain(backend, small(road), x);
    const got = await prepared.run();
    await prepared.dispose();
    expect(got.length).toBe(want.length);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!), `${road} [${i}]`).toBeLessThan(1e-4);
  }
  expect(backend.residentStats().tensors).toBe(0);
}

describe('a chain run', () => {
  it('on backend-ts computes the reference chain on both roads and leaves no resident tensor behind', async () => {
    const backend = await tsPlugin.create();
    try {
      await expectChain(backend);
    } finally {
      await backend.dispose();
    }
  });

  describe('on webgpu', async () => {
    const probe = await webgpuPlugin.probe();
    if (!probe.available && process.env.CI) throw new Error(`webgpu is required in CI: ${probe.reason}`);
    const backend = probe.available ? await webgpuPlugin.create() : undefined;
    afterAll(() => backend?.dispose());

    it.skipIf(!backend)(
      `copies to and from the GPU once a run on handles, every call through arrays${backend ? '' : ` — skipped: ${probe.reason}`}`,
      async () => {
        await expectChain(backend!);
        const x = (makeInputs(small('arrays'), 5) as { q: Tensor }).q;
        const per: Record<ChainRoad, { toBackend: number; toHost: number }> = {} as never;
        for (const road of ['handles', 'arrays'] as const) {
          const prepared = await prepareChain(backend!, small(road), x);
          const before = backend!.residentStats().transfers;
          await prepared.run();
          const after = backend!.residentStats().transfers;
          per[road] = { toBackend: after.toBackend - before.toBackend, toHost: after.toHost - before.toHost };
        }
        expect(per.handles).toEqual({ toBackend: 1, toHost: 1 });
        expect(per.arrays).toEqual({ toBackend: 9, toHost: 3 });
      },
    );
  });
});
