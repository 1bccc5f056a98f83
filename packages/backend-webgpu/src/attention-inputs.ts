/**
 * Translates a validated attention problem into what the WGSL kernels read: one uniform block
 * ({@link ATTENTION_FIELDS}), the resolved mask as raw words, and one `aux` word buffer with the query
 * offsets, the valid key counts, the graph in compressed rows and the ALiBi slopes. Which options are present is part of the
 * uniform block (uniform branches cost a scalar test; one pipeline serves every combination, which keeps
 * shader compilation out of the per-call cost). Nothing is re-decided here: the kernels apply core's
 * rules (`keyBand`, `maskTerm`) to these buffers.
 *
 * Shape legend: B batch, Hq/Hkv heads, G = Hq/Hkv, Sq queries, T keys (past included), Dk/Dv head sizes.
 * A "unit" is one (batch, key/value head) pair; work is split into contiguous runs of units. k and v hold
 * `kvRows ≥ T` rows per unit (a key/value cache's capacity); the kernels read rows `< T` only.
 */
import type { AttentionProblem, ResolvedMask } from '@attnkit/core';
import { packFields, type Fields } from './wgsl-struct.js';

/** The parts of a problem the kernels need (an {@link AttentionProblem} is one; models build their own). */
export type AttentionSpec = Pick<
  AttentionProblem,
  | 'batch'
  | 'qHeads'
  | 'kvHeads'
  | 'group'
  | 'qLength'
  | 'keyLength'
  | 'keyDim'
  | 'valueDim'
  | 'pastLength'
  | 'scale'
  | 'softcap'
  | 'causal'
  | 'window'
  | 'mask'
  | 'validKeys'
  | 'queryOffset'
  | 'alibi'
  | 'additive'
> & {
  readonly graph: { readonly offsets: Int32Array; readonly keys: Int32Array } | undefined;
};

/** The uniform block of every attention kernel. */
export const ATTENTION_FIELDS = {
  Hq: 'u32',
  Hkv: 'u32',
  G: 'u32',
  Sq: 'u32',
  Dk: 'u32',
  Dv: 'u32',
  maskKind: 'u32',
  graph: 'u32',
  alibi: 'u32',
  hasSoftcap: 'u32',
  T: 'u32',
  kvRows: 'u32',
  unit0: 'u32',
  qoOff: 'u32',
  causal: 'u32',
  winLeft: 'i32',
  winRight: 'i32',
  hasKeyLengths: 'u32',
  maskExtent: 'u32',
  ms0: 'u32',
  ms1: 'u32',
  ms2: 'u32',
  ms3: 'u32',
  klOff: 'u32',
  goOff: 'u32',
  gkOff: 'u32',
  alOff: 'u32',
  outPacked: 'u32',
  mode: 'u32',
  scale: 'f32',
  softcap: 'f32',
} as const satisfies Fields;

/** What weights pass 1 of the three-pass kernel writes besides the masked scores. */
export const WEIGHT_MODES = { none: 0, scores: 1, softcapped: 2, masked: 3, probs: 0 } as const;

/** The aux words and where each part starts. */
export interface AuxData {
  readonly words: Uint32Array;
  /** Core's `queryOffset` per batch (i32 bits): the causal/window/ALiBi alignment. */
  readonly qoOff: number;
  readonly klOff: number;
  readonly goOff: number;
  readonly gkOff: number;
  readonly alOff: number;
}

/** Packs the query offsets, valid key counts, graph rows and ALiBi slopes into one word buffer. */
export function buildAux(s: AttentionSpec): AuxData {
  const qo = s.queryOffset.length;
  const kl = s.validKeys?.length ?? 0;
  const go = s.graph ? s.graph.offsets.length : 0;
  const gk = s.graph ? s.graph.keys.length : 0;
  const al = s.alibi?.length ?? 0;
  const words = new Uint32Array(Math.max(1, qo + kl + go + gk + al));
  const qoOff = 0,
    klOff = qo,
    goOff = qo + kl,
    gkOff = qo + kl + go,
    alOff = qo + kl + go + gk;
  words.set(new Uint32Array(s.queryOffset.buffer, s.queryOffset.byteOffset, qo), qoOff);
  if (s.validKeys) words.set(new Uint32Array(s.validKeys.buffer, s.validKeys.byteOffset, kl), klOff);
  if (s.graph) {
    words.set(new Uint32Array(s.graph.offsets.buffer, s.graph.offsets.byteOffset, go), goOff);
    words.set(new Uint32Array(s.graph.keys.buffer, s.graph.keys.byteOffset, gk), gkOff);
  }
  if (s.alibi) words.set(new Uint32Array(Float32Array.from(s.alibi).buffer), alOff);
  return { words, qoOff, klOff, goOff, gkOff, alOff };
}

/** The mask's data as it is uploaded (bytes of a bool mask, float bits of a bias), or a placeholder. */
export function maskWords(mask: ResolvedMask | undefined): ArrayBufferView {
  return mask ? mask.data : new Uint32Array(1);
}

/** A window side as the kernels read it: -1 = unbounded; larger values are clamped (same meaning). */
function side(x: number | undefined, cap: number): number {
  if (x === undefined || x === Infinity) return -1;
  return Math.min(x, cap);
}

/**
 * The uniform values for a run of units starting at `unit0`. `T` is `s.keyLength`, the keys computed;
 * `extra.kvRows` (default `T`) is the rows each unit holds in k and v, which may be more (a cache's
 * capacity, of which only the first `T` are read).
 */
export function attentionParams(
  s: AttentionSpec,
  aux: AuxData,
  unit0: number,
  extra: { outPacked?: boolean; mode?: number; kvRows?: number } = {},
): ArrayBuffer {
  const cap = s.keyLength + s.qLength + s.pastLength + 1;
  const m = s.mask;
  return packFields(ATTENTION_FIELDS, {
    Hq: s.qHeads,
    Hkv: s.kvHeads,
    G: s.group,
    Sq: s.qLength,
    Dk: s.keyDim,
    Dv: s.valueDim,
    maskKind: m ? (m.kind === 'bool' ? 1 : 2) : 0,
    graph: s.graph ? 1 : 0,
    alibi: s.alibi ? 1 : 0,
    hasSoftcap: s.softcap > 0 ? 1 : 0,
    T: s.keyLength,
    kvRows: extra.kvRows ?? s.keyLength,
    unit0,
    qoOff: aux.qoOff,
    causal: s.causal ? 1 : 0,
    winLeft: s.window ? side(s.window.left, cap) : -1,
    winRight: s.window ? side(s.window.right, cap) : -1,
    hasKeyLengths: s.validKeys ? 1 : 0,
    maskExtent: m ? m.keyExtent : s.keyLength,
    ms0: m?.strides[0] ?? 0,
    ms1: m?.strides[1] ?? 0,
    ms2: m?.strides[2] ?? 0,
    ms3: m?.strides[3] ?? 0,
    klOff: aux.klOff,
    goOff: aux.goOff,
    gkOff: aux.gkOff,
    alOff: aux.alOff,
    outPacked: extra.outPacked ? 1 : 0,
    mode: extra.mode ?? 0,
    scale: s.scale,
    softcap: s.softcap,
  });
}
