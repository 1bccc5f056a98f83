/**
 * Chain cases: the attention layers of an encoder without their projections, to measure what keeping
 * data in the backend between layers saves. From one input x `[B, H, S, D]`, L calls each take the previous
 * call's output as their q, k and v (`x ← attention(x, x, x)`), along one of two roads:
 * - `handles`: x uploaded once (`backend.upload`), every call on resident tensors with `resident: true`,
 *   the last output read back: nothing crosses between JavaScript and the backend's memory between layers;
 * - `arrays`: the same calls on arrays: each call's q, k and v go to the backend and its output comes back.
 * Both roads start from the array and end with an array, so their times compare directly; on webgpu the
 * difference is the copies between the CPU and the GPU. Cases are named `chain/<road>/B1-H8-S128-D64-L4`
 * and selected by `--case chain` (or `chain+handles`, `chain+l4`, ...).
 *
 * Shape legend: B batch, H heads, S sequence length, D head size, L calls in the chain.
 */
import type { Backend, ResidentTensor, Tensor } from '@attnkit/core';
import type { AttentionCase, AttentionShape } from './cases.js';
import type { PreparedCase } from './engine.js';
import { attentionFlops, type Flops } from './flops.js';

/** How a chain's calls hand their data on. */
export type ChainRoad = 'handles' | 'arrays';

/** What makes an attention case a chain: its length and road. */
export interface ChainSpec {
  /** Attention calls in the chain, L. */
  readonly layers: number;
  readonly road: ChainRoad;
}

/** An attention case that is a chain. */
export type ChainCase = AttentionCase & { readonly chain: ChainSpec };

/** The chains of each mode: lengths S at B1 H8 D64, four calls each, both roads. */
export const CHAINS = {
  quick: { seq: [32, 64], layers: 4 },
  full: { seq: [32, 128, 512], layers: 4 },
} as const;

const ROADS: readonly ChainRoad[] = ['handles', 'arrays'];

/** The chain case of a shape (mask `none`), e.g. `chain/handles/B1-H8-S128-D64-L4`. */
export function chainCase(
  shape: Pick<AttentionShape, 'batch' | 'heads' | 'seq' | 'headDim'>,
  chain: ChainSpec,
): ChainCase {
  const dims = (withSeq: boolean): string =>
    [
      `B${shape.batch}`,
      `H${shape.heads}`,
      ...(withSeq ? [`S${shape.seq}`] : []),
      `D${shape.headDim}`,
      `L${chain.layers}`,
    ].join('-');
  return {
    kind: 'attention',
    id: `chain/${chain.road}/${dims(true)}`,
    family: `chain/${chain.road}/${dims(false)}`,
    sweep: 'chain',
    batch: shape.batch,
    heads: shape.heads,
    seq: shape.seq,
    headDim: shape.headDim,
    mask: 'none',
    chain,
  };
}

/** Every chain case of a mode (or of the lengths `seq`), both roads of each length side by side. */
export function chainCases(full: boolean, seq?: readonly number[]): ChainCase[] {
  const m = full ? CHAINS.full : CHAINS.quick;
  return (seq ?? m.seq).flatMap((seq) =>
    ROADS.map((road) => chainCase({ batch: 1, heads: 8, seq, headDim: 64 }, { layers: m.layers, road })),
  );
}

/**
 * The words `--case` selects a chain by: `chain`, its road, `l4`, and its dimensions; not `attention` nor
 * its mask, so the terms that pick single calls (`attention`, `none+s128`) do not pick chains.
 */
export function chainTags(c: ChainCase): string[] {
  return [
    'chain',
    c.chain.road,
    `l${c.chain.layers}`,
    `sweep-${c.sweep}`,
    `s${c.seq}`,
    `b${c.batch}`,
    `h${c.heads}`,
    `d${c.headDim}`,
  ];
}

/** A chain's FLOPs: L times its call's. */
export function chainFlops(c: ChainCase): Flops {
  const one = attentionFlops(c.batch, c.heads, c.seq, c.headDim, {});
  return { useful: one.useful * c.chain.layers, dense: one.dense * c.chain.layers };
}

/** One line, e.g. `chain of 4 on handles B1 H8 S128 D64`. */
export function describeChain(c: ChainCase): string {
  return `chain of ${c.chain.layers} on ${c.chain.road} B${c.batch} H${c.heads} S${c.seq} D${c.headDim}`;
}

/** Why a peer cannot run a chain: it compares an attnkit backend's two roads. */
export const CHAIN_PEER_REASON = 'chain cases compare two ways of calling an attnkit backend';

/**
 * A chain ready to time on `backend`, from the case's q as x. One untimed run first, as for the other
 * cases (pipelines compile there).
 */
export async function prepareChain(backend: Backend, c: ChainCase, x: Tensor): Promise<PreparedCase> {
  const L = c.chain.layers;
  const run =
    c.chain.road === 'arrays'
      ? async (): Promise<Float32Array> => {
          let cur = x;
          for (let l = 0; l < L; l++) cur = (await backend.attention(cur, cur, cur)).output;
          return cur.data;
        }
      : async (): Promise<Float32Array> => {
          let cur: ResidentTensor = await backend.upload(x);
          try {
            for (let l = 0; l < L; l++) {
              const next = (await backend.attention(cur, cur, cur, { resident: true })).output;
              cur.dispose();
              cur = next;
            }
            return (await cur.read()).data;
          } finally {
            cur.dispose();
          }
        };
  await run();
  return { run, dispose: async () => undefined };
}
