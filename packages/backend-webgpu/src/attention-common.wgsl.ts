/**
 * WGSL shared by the attention kernels: the parameter block, core's masking rules per row (`keyBand`,
 * `maskTerm`, `causalOffset` of @attnkit/core, restated over the uploaded buffers), and a tanh that stays
 * finite for any input.
 *
 * Shape legend: B batch, Hq/Hkv heads, G = Hq/Hkv, Sq queries, T keys (past included), Dk/Dv head sizes.
 * Buffers: `mask` the resolved mask as words (bool: 4 bytes per word; bias: float bits, -Infinity bits
 * hide the key); `aux` core's query offsets (i32 bits) at `qoOff`, valid key counts at `klOff`, graph row offsets at `goOff` and keys at `gkOff`, ALiBi
 * slopes (float bits) at `alOff`. Window sides of -1 are unbounded.
 */
import { ATTENTION_FIELDS } from './attention-inputs.js';
import { uniform } from './wgsl-bindings.js';

/** Binding `P` of every attention kernel: the uniform block {@link ATTENTION_FIELDS} (struct `Params`). */
export const ATTENTION_PARAMS = uniform('Params', ATTENTION_FIELDS);

/** Bits of float32 -Infinity, the "hidden" marker of scores and bias masks. */
export const NEG_INF_BITS = '0xff800000u';

/** Constants, the head a workgroup works on and output indexing; needs the uniform `P` ({@link ATTENTION_PARAMS}). */
export function attentionBasics(): string {
  return /* wgsl */ `
const NEG: f32 = -3.0e38;
const NEG_INF_BITS: u32 = ${NEG_INF_BITS};

// Query head bh of this chunk ([units·G] order): ul its unit (key/value head) within the chunk, b its
// batch, h its query head.
struct Head { ul: u32, b: u32, h: u32 }
fn headOf(bh: u32) -> Head {
  let ul = bh / P.G;
  let u = P.unit0 + ul;
  return Head(ul, u / P.Hkv, (u % P.Hkv) * P.G + bh % P.G);
}

// Output index: [B, Hq, Sq, Dv] of this chunk, or packed [B, Sq, Hq·Dv].
fn outIndex(bh: u32, b: u32, h: u32, i: u32, d: u32, dv: u32) -> u32 {
  if (P.outPacked != 0u) { return ((b * P.Sq + i) * P.Hq + h) * dv + d; }
  return (bh * P.Sq + i) * dv + d;
}
`;
}

/** Everything the score-computing kernels share; needs `P`, `aux` and `mask`. */
export function attentionCommon(): string {
  return /* wgsl */ `${attentionBasics()}

// tanh through exp(-2|x|): finite and accurate to ~1e-7 for every x.
fn tanh_(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - t) / (1.0 + t);
}

// causalOffset: where query i sits among the keys of batch b.
fn batchOffset(b: u32) -> i32 {
  return bitcast<i32>(aux[P.qoOff + b]);
}

// keyBand: the keys [lo, hi) query i of batch b may see by lengths, causality, window, graph, mask extent.
fn rowBand(b: u32, i: u32, off: i32) -> vec2<i32> {
  var lo = 0;
  var hi = i32(P.T);
  if (P.hasKeyLengths != 0u) { hi = min(hi, i32(aux[P.klOff + b])); }
  hi = min(hi, i32(P.maskExtent));
  let pos = i32(i) + off;
  if (P.causal != 0u) { hi = min(hi, pos + 1); }
  if (P.winLeft >= 0) { lo = max(lo, pos - P.winLeft); }
  if (P.winRight >= 0) { hi = min(hi, pos + P.winRight + 1); }
  if (P.graph != 0u) {
    let a = aux[P.goOff + i];
    let z = aux[P.goOff + i + 1u];
    if (a == z) { return vec2<i32>(0, 0); }
    lo = max(lo, i32(aux[P.gkOff + a]));
    hi = min(hi, i32(aux[P.gkOff + z - 1u]) + 1);
  }
  return vec2<i32>(lo, max(lo, hi));
}

// maskTerm without the graph: false when the mask hides (b, h, i, j), else adds the bias and ALiBi to x.
fn applyTerms(b: u32, h: u32, i: u32, j: u32, off: i32, x: ptr<function, f32>) -> bool {
  let idx = b * P.ms0 + h * P.ms1 + i * P.ms2 + j * P.ms3;
  if (P.maskKind == 1u) {
    if (((mask[idx >> 2u] >> ((idx & 3u) * 8u)) & 0xffu) == 0u) { return false; }
  } else if (P.maskKind == 2u) {
    let bits = mask[idx];
    if (bits == NEG_INF_BITS) { return false; }
    *x += bitcast<f32>(bits);
  }
  if (P.alibi != 0u) { *x -= bitcast<f32>(aux[P.alOff + h]) * abs(f32(i32(i) + off - i32(j))); }
  return true;
}
`;
}

/** WGSL: softcap when enabled. */
export const SOFTCAP = 'if (P.hasSoftcap != 0u) { x = P.softcap * tanh_(x / P.softcap); }';
