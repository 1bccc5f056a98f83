/**
 * The straightforward three-pass attention: (1) every score of `[Sq, T]` per head into a buffer (scaled
 * dot product, or additive relevance `Σ_d aw[h, d]·tanh(q[d] + k[d])`, `aw` `[Hq, Dk]`), (2) a
 * softmax per row in place, (3) the weighted sum of values. It materialises the Sq×T scores, so it serves
 * the calls that ask for weights, and it is the baseline the fused kernel is measured against.
 *
 * Shape legend: B batch, Hq/Hkv heads, G = Hq/Hkv, Sq queries, T keys computed, Dk/Dv head sizes. Per
 * chunk: q `[units·G, Sq, Dk]`, k `[units, kvRows, Dk]`, v `[units, kvRows, Dv]` (rows < T read; kvRows
 * > T for a key/value cache), s and w `[units·G, Sq, T]` as float bits
 * (-Infinity bits = hidden), out `[units·G, Sq, Dv]` or packed `[B, Sq, Hq·Dv]`.
 *
 * Storage (wgsl-float16.ts): q, k, v and out are `f32`, or on the `shader-f16` road `f16` (out as the
 * call's result dtype); scores, the softmax and the sums are float32 either way.
 */
import { ATTENTION_PARAMS, attentionBasics, attentionCommon, SOFTCAP } from './attention-common.wgsl.js';
import { kernelSource, read, readWrite, type KernelSource } from './wgsl-bindings.js';
import {
  enableF16,
  F32_IO,
  ioKey,
  narrow,
  narrowing,
  widen,
  type AttentionIo,
  type ElementType,
} from './wgsl-float16.js';
import { workgroupReductions } from './workgroup-reduce.wgsl.js';

/** `graphHas` of core over the aux buffer's compressed rows. */
const GRAPH_HAS = /* wgsl */ `
fn graphHas(i: u32, j: i32) -> bool {
  var lo = aux[P.goOff + i];
  var hi = aux[P.goOff + i + 1u];
  while (lo < hi) {
    let mid = (lo + hi) / 2u;
    let x = i32(aux[P.gkOff + mid]);
    if (x == j) { return true; }
    if (x < j) { lo = mid + 1u; } else { hi = mid; }
  }
  return false;
}`;

/**
 * Pass 1's body with the relevance `raw` of query `qo` and key `ko` computed by `relevance` (WGSL
 * statements that set `raw`), then softcap, masking and the optional copy to w.
 */
function scoresBody(input: ElementType, declarations: string, relevance: string): string {
  return /* wgsl */ `${enableF16(input === 'f16')}
${declarations}
${attentionCommon()}
${GRAPH_HAS}

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>) {
  let j = gid.x;
  let i = gid.y;
  if (j >= P.T || i >= P.Sq) { return; }
  let bh = wg.z;
  let hd = headOf(bh);
  let off = batchOffset(hd.b);
  let band = rowBand(hd.b, i, off);
  let qo = (bh * P.Sq + i) * P.Dk;
  let ko = (hd.ul * P.kvRows + j) * P.Dk;
  ${relevance}
  var x = raw;
  ${SOFTCAP}
  let capped = x;
  var ok = i32(j) >= band.x && i32(j) < band.y;
  if (ok && P.graph != 0u) { ok = graphHas(i, i32(j)); }
  if (ok) { ok = applyTerms(hd.b, hd.h, i, j, off, &x); }
  let idx = (bh * P.Sq + i) * P.T + j;
  let masked = select(NEG_INF_BITS, bitcast<u32>(x), ok);
  s[idx] = masked;
  if (P.mode == 1u) { w[idx] = bitcast<u32>(raw); }
  if (P.mode == 2u) { w[idx] = bitcast<u32>(capped); }
  if (P.mode == 3u) { w[idx] = masked; }
}
`;
}

/** The bindings of pass 1, whichever the relevance, with q and k stored as `input`. */
function scoreBindings(input: ElementType) {
  return {
    P: ATTENTION_PARAMS,
    q: read(`array<${input}>`),
    k: read(`array<${input}>`),
    mask: read('array<u32>'),
    aux: read('array<u32>'),
    s: readWrite('array<u32>'),
    w: readWrite('array<u32>'),
  };
}

/** Pass 1 on q and k stored as `input` (float32 products and sums either way). */
function scoresSource(input: ElementType) {
  return kernelSource(`scores${input === 'f16' ? '/in-f16' : ''}`, scoreBindings(input), (declarations) =>
    scoresBody(
      input,
      declarations,
      /* wgsl */ `var dot = 0.0;
  for (var d = 0u; d < P.Dk; d++) { dot += ${widen(input, 'q[qo + d]')} * ${widen(input, 'k[ko + d]')}; }
  let raw = dot * P.scale;`,
    ),
  );
}

/** Pass 1 with additive relevance on q and k stored as `input` (`aw` is float32). */
function additiveScoresSource(input: ElementType) {
  return kernelSource(
    `additive-scores${input === 'f16' ? '/in-f16' : ''}`,
    { ...scoreBindings(input), aw: read() },
    (declarations) =>
      scoresBody(
        input,
        declarations,
        /* wgsl */ `var acc = 0.0;
  let wo = hd.h * P.Dk;
  for (var d = 0u; d < P.Dk; d++) { acc += aw[wo + d] * tanh_(${widen(input, 'q[qo + d]')} + ${widen(input, 'k[ko + d]')}); }
  let raw = acc;`,
      ),
  );
}

/** Pass 1: scaled dot-product scores into s. `P.mode` 1/2/3 also writes raw/softcapped/masked scores to w. */
export const scoresKernel = scoresSource('f32');
/** {@link scoresKernel} on `f16` q and k (`shader-f16`). */
export const scoresHalfKernel = scoresSource('f16');

/**
 * Pass 1 with additive relevance: `raw = Σ_d aw[h, d]·tanh(q[d] + k[d])`, `aw` `[Hq, Dk]` (no scale).
 * O(Dk) tanh per score.
 */
export const additiveScoresKernel = additiveScoresSource('f32');
/** {@link additiveScoresKernel} on `f16` q and k (`shader-f16`). */
export const additiveScoresHalfKernel = additiveScoresSource('f16');

/** Pass 1 (dot products) for q and k stored as `input`. */
export function scoresKernelFor(input: ElementType): typeof scoresKernel {
  return input === 'f16' ? scoresHalfKernel : scoresKernel;
}

/** Pass 1 (additive relevance) for q and k stored as `input`. */
export function additiveScoresKernelFor(input: ElementType): typeof additiveScoresKernel {
  return input === 'f16' ? additiveScoresHalfKernel : additiveScoresKernel;
}

/** Pass 2: softmax of each row of s in place (hidden → 0; a row with nothing visible → zeros). */
export const softmaxKernel = kernelSource(
  'softmax',
  {
    P: ATTENTION_PARAMS,
    s: readWrite('array<u32>'),
  },
  (declarations) => /* wgsl */ `
${declarations}
${attentionBasics()}
${workgroupReductions(64, ['max', 'sum'])}
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let row = (wg.y * P.Sq + wg.x) * P.T;
  var mx = NEG;
  for (var j = lid; j < P.T; j += 64u) {
    let bits = s[row + j];
    if (bits != NEG_INF_BITS) { mx = max(mx, bitcast<f32>(bits)); }
  }
  let m = reduceMax(lid, mx);
  var sum = 0.0;
  for (var j = lid; j < P.T; j += 64u) {
    let bits = s[row + j];
    if (bits != NEG_INF_BITS) { sum += exp(bitcast<f32>(bits) - m); }
  }
  let total = reduceSum(lid, sum);
  for (var j = lid; j < P.T; j += 64u) {
    let bits = s[row + j];
    var p = 0.0;
    if (bits != NEG_INF_BITS) { p = exp(bitcast<f32>(bits) - m) / total; }
    s[row + j] = bitcast<u32>(p);
  }
}
`,
);

/** The bindings of pass 3 with v and out stored as `io` says. */
function weightedSumBindings(io: AttentionIo) {
  return {
    P: ATTENTION_PARAMS,
    s: read(),
    v: read(`array<${io.input}>`),
    out: readWrite(`array<${io.output}>`),
  };
}

/** Pass 3 with v and out stored as `io` says (a float32 sum either way). */
function weightedSumSource(io: AttentionIo): KernelSource<ReturnType<typeof weightedSumBindings>> {
  return kernelSource(
    `weighted-sum${ioKey(io)}`,
    weightedSumBindings(io),
    (declarations) => /* wgsl */ `${enableF16(io.input === 'f16' || io.output === 'f16')}
${declarations}
${attentionBasics()}
${narrowing(io.output)}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(workgroup_id) wg: vec3<u32>) {
  let d = gid.x;
  let i = gid.y;
  let DV = P.Dv;
  if (d >= DV || i >= P.Sq) { return; }
  let bh = wg.z;
  let hd = headOf(bh);
  let row = (bh * P.Sq + i) * P.T;
  let vo = hd.ul * P.kvRows * DV + d;
  var acc = 0.0;
  for (var j = 0u; j < P.T; j++) { acc += s[row + j] * ${widen(io.input, 'v[vo + j * DV]')}; }
  out[outIndex(bh, hd.b, hd.h, i, d, DV)] = ${narrow(io.output, 'acc')};
}
`,
  );
}

const weightedSums = new Map<string, ReturnType<typeof weightedSumSource>>();

/** Pass 3 for storage `io` (one source per storage, so its pipeline is cached once). */
export function weightedSumKernelFor(io: AttentionIo): ReturnType<typeof weightedSumSource> {
  const key = ioKey(io);
  let k = weightedSums.get(key);
  if (!k) {
    k = weightedSumSource(io);
    weightedSums.set(key, k);
  }
  return k;
}

/** Pass 3: out = probabilities (s) · v. */
export const weightedSumKernel = weightedSumKernelFor(F32_IO);
