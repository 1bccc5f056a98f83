/**
 * The benchmark matrix: attention cases (sequence length, heads, head size, batch, mask kind) and the
 * speech labeler's encoder end to end.
 *
 * Shape legend: B batch, H heads, S sequence length, D head size (Dk = Dv), F input features.
 *
 * The matrix is a set of sweeps around a base shape (B=1, H=8, D=64, no mask): sequence length for each
 * mask kind, then heads, head size and batch one at a time at a fixed length. Quick mode takes a few points
 * of each sweep; `--full` takes all of them.
 */
import type { AttentionOptions, ModelSpec } from '@attnkit/core';
import { attentionFlops, encoderFlops, type Flops } from './flops.js';
import { cacheCases, cacheFlops, describeCache } from './cache-case.js';
import { CHAIN_PEER_REASON, chainCases, chainFlops, describeChain, type ChainSpec } from './chain-case.js';

/** Mask kinds: none, causal (top-left aligned), or a local window of `window` keys on each side. */
export type MaskKind = 'none' | 'causal' | 'window';

/** Which sweep a case belongs to. */
export type Sweep =
  | 'seq'
  | 'heads'
  | 'head-size'
  | 'batch'
  | 'decode'
  | 'decode-cache'
  | 'relevance'
  | 'float16'
  | 'chain';

/**
 * Attention `[B, H, S, D]`: self-attention with q, k, v of one shape, or (with `qLength` and `kvHeads`)
 * a decode step: q `[B, H, qLength, D]` against a cache k, v `[B, kvHeads, S, D]`, or (with `steps`)
 * decoding through a key/value cache of capacity `S`: the first `S − steps` entries are filled before each
 * run (untimed), then a run is `steps` single-token calls, each appending one key and value and attending
 * over everything held; q `[B, H, steps, D]` holds one query per step and k, v `[B, kvHeads, S, D]` the
 * entries in order.
 */
export interface AttentionCase {
  readonly kind: 'attention';
  /** Unique, readable, stable: e.g. `attention/causal/B1-H8-S1024-D64`. */
  readonly id: string;
  /** The case without its length: the line it is on in a chart against S. */
  readonly family: string;
  readonly sweep: Sweep;
  readonly batch: number;
  /** Query heads. */
  readonly heads: number;
  /** Key (and, without `qLength`, query) length. */
  readonly seq: number;
  readonly headDim: number;
  readonly mask: MaskKind;
  /** Query length when it differs from `seq` (decode: 1). */
  readonly qLength?: number;
  /** Key/value heads when fewer than `heads` (grouped-query attention). */
  readonly kvHeads?: number;
  /** Keys on each side of the query, for `mask: 'window'`. */
  readonly window?: number;
  /** `additive`: additive relevance instead of the dot product (attnkit backends only). */
  readonly relevance?: 'additive';
  /** `float16`: q, k, v and the output in float16 (attnkit backends that declare it). */
  readonly dtype?: 'float16';
  /** A chain of calls, each on the previous output (see chain-case.ts; attnkit backends only). */
  readonly chain?: ChainSpec;
  /** Single-token calls per run of decoding through a cache (`qLength` is the same; see cache-case.ts). */
  readonly steps?: number;
}

/** One run of the encoder on `[B, S, F]`. */
export interface EncoderCase {
  readonly kind: 'encoder';
  readonly id: string;
  readonly family: string;
  /** `float16`: the float16 twin of a `seq` case. */
  readonly sweep: 'seq' | 'float16';
  readonly batch: number;
  readonly seq: number;
  readonly spec: ModelSpec;
  /** `float16`: the model holds its weights in float16 (attnkit backends that declare `models:float16`). */
  readonly dtype?: 'float16';
  /** Where the spec came from (a file of the speech labeler, or the built-in default). */
  readonly specSource: string;
}

/** A benchmark case. */
export type BenchCase = AttentionCase | EncoderCase;

/** What the matrix is built from. */
export interface MatrixOptions {
  readonly full: boolean;
  /** Overrides the sequence lengths of the attention sweeps over S. */
  readonly seq?: readonly number[];
  /** Keys on each side for window masks. */
  readonly window: number;
  readonly encoder: { readonly spec: ModelSpec; readonly source: string };
}

const BASE = { batch: 1, heads: 8, headDim: 64 } as const;

/** The sweeps of each mode (lengths, and the values swept at `sweepLength`). */
export const MATRIX = {
  quick: {
    seq: { none: [128, 512, 2048], causal: [1024], window: [2048] },
    sweepLength: 512,
    heads: [16],
    headDim: [128],
    batch: [4],
    encoder: [1000],
    small: [32, 64, 128],
    decode: [1024, 4096],
    relevance: [256],
    float16: { none: [512], causal: [1024] },
  },
  full: {
    seq: {
      none: [128, 256, 512, 1024, 2048, 4096, 8192, 16384],
      causal: [128, 256, 512, 1024, 2048, 4096, 8192, 16384],
      window: [128, 256, 512, 1024, 2048, 4096, 8192, 16384],
    },
    sweepLength: 1024,
    heads: [1, 2, 4, 16],
    headDim: [16, 32, 128],
    batch: [2, 4, 8],
    encoder: [500, 1000, 2000, 4000, 8000, 16000],
    small: [32, 64, 128],
    decode: [1024, 4096],
    relevance: [128, 256, 512],
    float16: { none: [512, 2048], causal: [1024, 4096] },
  },
} as const;

/** Decode steps: one query against a cache of S keys, B1 H32 D128, with 8 and 32 key/value heads. */
const DECODE = { batch: 1, heads: 32, headDim: 128, qLength: 1 } as const;

/** The shape of an attention case (`qLength`, `kvHeads` only where they differ from `seq`, `heads`). */
export interface AttentionShape {
  batch: number;
  heads: number;
  seq: number;
  headDim: number;
  mask: MaskKind;
  window?: number;
  qLength?: number;
  kvHeads?: number;
  relevance?: 'additive';
  dtype?: 'float16';
}

/** The query length of a case (`seq` for self-attention). */
export function queryLength(c: Pick<AttentionCase, 'seq' | 'qLength'>): number {
  return c.qLength ?? c.seq;
}

/** The key/value heads of a case (`heads` unless grouped). */
export function keyValueHeads(c: Pick<AttentionCase, 'heads' | 'kvHeads'>): number {
  return c.kvHeads ?? c.heads;
}

/** The attention case of one shape; decode cases are named `decode/B1-H32-KV8-T1024-D128`. */
export function attentionCase(shape: AttentionShape, sweep: Sweep): AttentionCase {
  const { qLength, kvHeads, window, ...rest } = shape;
  const extra = {
    ...(qLength !== undefined && qLength !== shape.seq ? { qLength } : {}),
    ...(kvHeads !== undefined && kvHeads !== shape.heads ? { kvHeads } : {}),
    ...(shape.mask === 'window' ? { window } : {}),
  };
  const maskName = maskLabel(shape);
  if (extra.qLength !== undefined) {
    const kv = `KV${kvHeads ?? shape.heads}`;
    const q = extra.qLength === 1 ? '' : `-Q${extra.qLength}`;
    const mask = shape.mask === 'none' ? '' : `${maskName}/`;
    return {
      kind: 'attention',
      id: `decode/${mask}B${shape.batch}-H${shape.heads}-${kv}${q}-T${shape.seq}-D${shape.headDim}`,
      family: `decode/${mask}B${shape.batch}-H${shape.heads}-${kv}${q}-D${shape.headDim}`,
      sweep,
      ...rest,
      ...extra,
    };
  }
  const kv = extra.kvHeads !== undefined ? `-KV${extra.kvHeads}` : '';
  const family = `attention/${maskName}/B${shape.batch}-H${shape.heads}${kv}-D${shape.headDim}`;
  const id = `attention/${maskName}/B${shape.batch}-H${shape.heads}${kv}-S${shape.seq}-D${shape.headDim}`;
  return { kind: 'attention', id, family, sweep, ...rest, ...extra };
}

/**
 * A case's variant as ids and chart lines name it: dtype and relevance prefixes, then the mask
 * (`float16-causal`, `additive-window64`); `describeCase` writes the same words with spaces and `±`.
 */
export function maskLabel(
  c: Pick<AttentionCase, 'mask' | 'window' | 'relevance' | 'dtype'>,
  style: 'id' | 'text' = 'id',
): string {
  const sep = style === 'id' ? '-' : ' ';
  const window = style === 'id' ? `window${c.window}` : `window±${c.window}`;
  return (
    (c.dtype === 'float16' ? `float16${sep}` : '') +
    (c.relevance === 'additive' ? `additive${sep}` : '') +
    (c.mask === 'window' ? window : c.mask)
  );
}

/** The float16 peers: the onnxruntime peers whose runtime has float16 kernels for their operator. */
export const FLOAT16_PEERS = 'ort-attention, ortweb-wasm, ortweb-webgpu';

/**
 * Why a peer (an engine called directly) cannot run a case: peers compute dot-product attention only, and
 * float16 attention only where `float16` says the peer runs it (with float16 tensors and kernels; the float16
 * encoder compares attnkit backends with themselves in float32).
 */
export function peerUnsupported(c: BenchCase, float16: { attention?: boolean } = {}): string | undefined {
  if (c.kind === 'attention' && c.chain) return CHAIN_PEER_REASON;
  if (c.dtype === 'float16' && c.kind === 'encoder')
    return 'the float16 encoder compares attnkit backends with themselves in float32';
  if (c.dtype === 'float16' && !float16.attention)
    return `this peer has no float16 attention (float16 peers: ${FLOAT16_PEERS})`;
  return c.kind === 'attention' && c.relevance === 'additive'
    ? 'additive relevance is an attnkit option; the peers compute dot-product attention'
    : undefined;
}

/** The encoder case of one length; with `dtype: 'float16'`, its float16 twin. */
export function encoderCase(spec: ModelSpec, source: string, seq: number, batch = 1, dtype?: 'float16'): EncoderCase {
  const variant = dtype === 'float16' ? 'float16/' : '';
  return {
    kind: 'encoder',
    id: `encoder/${variant}B${batch}-S${seq}`,
    family: `encoder/${variant}B${batch}`,
    sweep: dtype === 'float16' ? 'float16' : 'seq',
    batch,
    seq,
    spec,
    specSource: source,
    ...(dtype === 'float16' ? { dtype } : {}),
  };
}

/**
 * Builds the matrix of a mode, smallest work first within each sweep: S without a mask, the encoder, S with
 * each mask, decode steps, then heads, head size and batch, relevance, float16, and decoding through a cache.
 */
export function buildMatrix(options: MatrixOptions): BenchCase[] {
  const m = options.full ? MATRIX.full : MATRIX.quick;
  const cases: BenchCase[] = [];
  const seen = new Set<string>();
  const add = (c: BenchCase): void => {
    if (seen.has(c.id)) return;
    seen.add(c.id);
    cases.push(c);
  };
  // Small S first: they cost little, and per-call overheads dominate there.
  if (!options.seq) for (const seq of m.small) add(attentionCase({ ...BASE, seq, mask: 'none' }, 'seq'));
  for (const mask of ['none', 'causal', 'window'] as const) {
    for (const seq of options.seq ?? m.seq[mask]) {
      add(attentionCase({ ...BASE, seq, mask, ...(mask === 'window' ? { window: options.window } : {}) }, 'seq'));
    }
    // The encoder right after the unmasked sweep: in a quick run, engines that use up their share of
    // the time still get to it.
    if (mask === 'none')
      for (const seq of m.encoder) add(encoderCase(options.encoder.spec, options.encoder.source, seq));
  }
  for (const seq of m.decode)
    for (const kvHeads of [8, 32]) add(attentionCase({ ...DECODE, seq, kvHeads, mask: 'none' }, 'decode'));
  const at = { ...BASE, seq: m.sweepLength, mask: 'none' as const };
  for (const heads of m.heads) add(attentionCase({ ...at, heads }, 'heads'));
  for (const headDim of m.headDim) add(attentionCase({ ...at, headDim }, 'head-size'));
  for (const batch of m.batch) add(attentionCase({ ...at, batch }, 'batch'));
  // Additive relevance against the dot product at the same shapes (O(S²·D) tanh: short lengths only).
  for (const seq of m.relevance) {
    add(attentionCase({ ...BASE, seq, mask: 'none' }, 'relevance'));
    add(attentionCase({ ...BASE, seq, mask: 'none', relevance: 'additive' }, 'relevance'));
  }
  // float16 against float32 at the same shapes (the float32 twin is a case of its own).
  for (const mask of ['none', 'causal'] as const)
    for (const seq of m.float16[mask]) {
      add(attentionCase({ ...BASE, seq, mask }, 'float16'));
      add(attentionCase({ ...BASE, seq, mask, dtype: 'float16' }, 'float16'));
    }
  // The encoder with its weights in float16 (its float32 twin is in the `seq` sweep).
  for (const seq of m.encoder) add(encoderCase(options.encoder.spec, options.encoder.source, seq, 1, 'float16'));
  for (const c of chainCases(options.full, options.seq)) add(c);
  // Decoding through a cache last: its runs are 256 calls each, so in a quick run it is what an engine's
  // time budget leaves out first.
  for (const c of cacheCases(options.full)) add(c);
  return cases;
}

/** The attnkit options that express a case's mask: the causal and window options. */
export type CaseMaskOptions = Pick<AttentionOptions, 'causal' | 'window'>;

/** A case's mask options and, for additive cases, its relevance. */
export type CaseOptions = CaseMaskOptions & Pick<AttentionOptions, 'relevance'>;

/** Additive relevance weights `[H, D]` of a case: fixed values of the size `1/sqrt(D)`. */
function additiveWeights(H: number, D: number): AttentionOptions['relevance'] {
  const data = Float32Array.from({ length: H * D }, (_, i) => Math.sin(i + 1) / Math.sqrt(D));
  return { kind: 'additive', weights: { shape: [H, D], data } };
}

/**
 * The attention options of a case's mask, as a user passes them to `backend.attention`: the one mapping
 * from mask kinds to options (its FLOPs, the attnkit engines and the peers' additive masks all start here).
 *
 * @example
 * ```ts
 * attentionOptions(attentionCase({ batch: 1, heads: 8, seq: 1024, headDim: 64, mask: 'window', window: 128 }, 'seq'));
 * // { window: { left: 128, right: 128 } }
 * ```
 */
export function attentionOptions(
  c: Pick<AttentionCase, 'mask' | 'window' | 'relevance'> & Partial<Pick<AttentionCase, 'heads' | 'headDim'>>,
): CaseOptions {
  if (c.relevance === 'additive')
    return { ...attentionOptions({ ...c, relevance: undefined }), relevance: additiveWeights(c.heads!, c.headDim!) };
  switch (c.mask) {
    case 'none':
      return {};
    case 'causal':
      return { causal: true };
    case 'window':
      return { window: { left: c.window!, right: c.window! } };
  }
}

/**
 * FLOPs of one run of a case (see `flops.ts`). The runner computes them once per job and hands them to
 * the limits and the GFLOP/s figures.
 */
export function caseFlops(c: BenchCase): Flops {
  if (c.kind === 'encoder') return encoderFlops(c.spec, c.batch, c.seq);
  if (c.chain) return chainFlops({ ...c, chain: c.chain });
  if (c.steps !== undefined) return cacheFlops({ ...c, steps: c.steps });
  return attentionFlops(c.batch, c.heads, c.seq, c.headDim, attentionOptions(c), queryLength(c), c.relevance ?? 'dot');
}

/** A one-line description, e.g. `causal  B1 H8 S1024 D64`. */
export function describeCase(c: BenchCase): string {
  if (c.kind === 'encoder') return `${c.dtype === 'float16' ? 'float16 ' : ''}encoder B${c.batch} S${c.seq}`;
  if (c.chain) return describeChain({ ...c, chain: c.chain });
  if (c.steps !== undefined) return describeCache({ ...c, steps: c.steps });
  const mask = maskLabel(c, 'text');
  const kv = c.kvHeads !== undefined ? ` KV${c.kvHeads}` : '';
  if (c.qLength !== undefined) return `decode B${c.batch} H${c.heads}${kv} Sq${c.qLength} T${c.seq} D${c.headDim}`;
  return `${mask} B${c.batch} H${c.heads}${kv} S${c.seq} D${c.headDim}`;
}
