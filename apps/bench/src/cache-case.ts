/**
 * Decoding through a key/value cache: a decoder's attention over `steps` (256) tokens. A cache of capacity C
 * is filled with its first C − steps entries before each run (untimed); a run is then `steps` single-token
 * calls, each appending one key and value and attending over everything held, so the steps run at
 * T = C − steps + 1 … C. Cases are named `decode-cache/B1-H32-KV8-C4096-D128-256steps` and selected by
 * `--case cache` (their capacity by `c4096`). The case's inputs are those of an attention case with one
 * query per step: q `[B, H, steps, D]`, k and v `[B, Hkv, C, D]` (the entries in order), so the steps
 * together compute the last `steps` rows of causal attention over C keys.
 *
 * Shape legend: B batch, Hq/Hkv query and key/value heads, C capacity, D head size.
 */
import type { Backend, Tensor } from '@attnkit/core';
import type { AttentionCase, Sweep } from './cases.js';
import type { PreparedCase } from './engine.js';
import type { Flops } from './flops.js';
import type { AttentionInputs } from './inputs.js';

/** Single-token calls per run. */
export const CACHE_STEPS = 256;

/** The capacities of each mode, at B1 H32 KV8 D128: quick runs measure a small one (the peer's runs fit the 2 s limit). */
export const CACHES = { quick: [512], full: [1024, 4096] } as const;

/** An attention case that decodes through a cache. */
export type CacheCase = AttentionCase & { readonly steps: number };

/** The case of a shape: `seq` is the capacity. */
export function cacheCase(
  shape: { batch: number; heads: number; kvHeads: number; seq: number; headDim: number },
  steps = CACHE_STEPS,
  sweep: Sweep = 'decode-cache',
): CacheCase {
  const name = `B${shape.batch}-H${shape.heads}-KV${shape.kvHeads}`;
  return {
    kind: 'attention',
    id: `decode-cache/${name}-C${shape.seq}-D${shape.headDim}-${steps}steps`,
    family: `decode-cache/${name}-D${shape.headDim}-${steps}steps`,
    sweep,
    batch: shape.batch,
    heads: shape.heads,
    seq: shape.seq,
    headDim: shape.headDim,
    mask: 'none',
    qLength: steps,
    ...(shape.kvHeads !== shape.heads ? { kvHeads: shape.kvHeads } : {}),
    steps,
  };
}

/** Every cache case of a mode. */
export function cacheCases(full: boolean): CacheCase[] {
  return (full ? CACHES.full : CACHES.quick).map((seq) =>
    cacheCase({ batch: 1, heads: 32, kvHeads: 8, seq, headDim: 128 }),
  );
}

/** The words `--case` selects a cache case by: `cache`, `decode`, its capacity `c4096` and dimensions (not its length as `s…`, nor a mask). */
export function cacheTags(c: CacheCase): string[] {
  return [
    c.kind,
    `sweep-${c.sweep}`,
    'decode',
    'cache',
    `c${c.seq}`,
    `b${c.batch}`,
    `h${c.heads}`,
    `d${c.headDim}`,
    `kv${c.kvHeads ?? c.heads}`,
  ];
}

/** A run's FLOPs: step t (from 0) sees the C − steps entries filled before the run and t + 1 of its own. */
export function cacheFlops(c: CacheCase): Flops {
  const perPair = c.batch * c.heads * 4 * c.headDim;
  const pairs = c.steps * (c.seq - c.steps) + (c.steps * (c.steps + 1)) / 2;
  return { useful: perPair * pairs, dense: perPair * pairs };
}

/** One line, e.g. `decode through a cache B1 H32 KV8 D128: 256 steps to C4096`. */
export function describeCache(c: CacheCase): string {
  const kv = c.kvHeads !== undefined ? ` KV${c.kvHeads}` : '';
  return `decode through a cache B${c.batch} H${c.heads}${kv} D${c.headDim}: ${c.steps} steps to C${c.seq}`;
}

/** A decode-through-a-cache case's inputs cut into what the calls take (see `AttentionCase.steps`). */
export interface CacheSteps {
  readonly B: number;
  readonly Hq: number;
  readonly Hkv: number;
  readonly D: number;
  readonly steps: number;
  /** Entries in the cache before the first step. */
  readonly filled: number;
  /**
   * The entries filled before each run as a call's arrays: k, v `[B, Hkv, filled, D]`, with a query per
   * entry and key/value head (`[B, Hkv, filled, D]`, zeros: a call that fills a cache ignores its output).
   */
  readonly prefill: { readonly q: Tensor; readonly k: Tensor; readonly v: Tensor };
  /** Step `t`'s query `[B, Hq, 1, D]`, key and value `[B, Hkv, 1, D]`. */
  step(t: number): { readonly q: Tensor; readonly k: Tensor; readonly v: Tensor };
  /** Copies step `t`'s output `[B, Hq, 1, D]` into `out` `[B, Hq, steps, D]`. */
  place(out: Float32Array, output: Float32Array, t: number): void;
}

/** Cuts the inputs of a decode-through-a-cache case into its prefill and steps. */
export function cacheSteps(c: CacheCase, inputs: AttentionInputs): CacheSteps {
  const steps = c.steps;
  const [B, Hq, , D] = inputs.q.shape as [number, number, number, number];
  const Hkv = inputs.k.shape[1]!;
  const C = c.seq;
  const filled = C - steps;
  /** Rows `from .. from + n` of each head of `[B, H, S, D]` data, as `[B, H, n, D]`. */
  const rows = (t: Tensor, from: number, n: number): Tensor => {
    const [b, h, S] = t.shape as [number, number, number];
    const data = new Float32Array(b * h * n * D);
    for (let i = 0; i < b * h; i++) data.set(t.data.subarray((i * S + from) * D, (i * S + from + n) * D), i * n * D);
    return { shape: [b, h, n, D], data };
  };
  const q = Array.from({ length: steps }, (_, t) => rows(inputs.q, t, 1));
  const k = Array.from({ length: steps }, (_, t) => rows(inputs.k, filled + t, 1));
  const v = Array.from({ length: steps }, (_, t) => rows(inputs.v, filled + t, 1));
  return {
    B,
    Hq,
    Hkv,
    D,
    steps,
    filled,
    prefill: {
      q: { shape: [B, Hkv, filled, D], data: new Float32Array(B * Hkv * filled * D) },
      k: rows(inputs.k, 0, filled),
      v: rows(inputs.v, 0, filled),
    },
    step: (t) => ({ q: q[t]!, k: k[t]!, v: v[t]! }),
    place(out, output, t) {
      for (let i = 0; i < B * Hq; i++) out.set(output.subarray(i * D, (i + 1) * D), (i * steps + t) * D);
    },
  };
}

/**
 * Decoding through a cache as a user writes it: one `createCache`, then per token one attention call with
 * `cache` (it appends the token's key and value and attends over all held). Before each run the cache is
 * emptied and filled with the first entries again, untimed, by one call in which each of them sees only
 * itself (what fills a cache is the same whatever the queries; this call costs little).
 */
export async function prepareCacheDecode(
  backend: Backend,
  c: CacheCase,
  inputs: AttentionInputs,
): Promise<PreparedCase> {
  const d = cacheSteps(c, inputs);
  const cache = await backend.createCache({ batch: d.B, kvHeads: d.Hkv, keyDim: d.D, capacity: c.seq });
  const out = new Float32Array(d.B * c.heads * d.steps * d.D);
  return {
    async reset() {
      cache.reset();
      const fill = d.prefill;
      if (fill.k.shape[2] === 0) return;
      await backend.attention(fill.q, fill.k, fill.v, { cache, window: { left: 0, right: 0 } });
    },
    async run() {
      for (let t = 0; t < d.steps; t++) {
        const s = d.step(t);
        const { output } = await backend.attention(s.q, s.k, s.v, { cache, causal: true });
        d.place(out, output.data, t);
      }
      return out;
    },
    dispose: async () => cache.dispose(),
  };
}
