/**
 * The fused attention kernel, flash-attention style.
 *
 * Shape legend: B batch, Hq/Hkv heads, G = Hq/Hkv, Sq queries, T keys, Dk/Dv head sizes (compile-time
 * DK/DV). q `[chunk units·G, Sq, Dk]`, k `[chunk units, kvRows, Dk]`, v `[chunk units, kvRows, Dv]` (only
 * rows < T read: a cache holds kvRows = its capacity), out
 * `[chunk units·G, Sq, Dv]` (or packed `[B, Sq, Hq·Dv]`).
 *
 * Grid: x = query tile (TQ rows), y = (unit, head of the group) of this chunk. Each row is owned by L
 * invocations ("lanes"): lane l holds q[d] and the output accumulator for d ≡ l (mod L); with L > 1 the
 * partial dot products are summed by a subgroup xor-shuffle butterfly (L ≤ the subgroup size, so the L
 * lanes of a row are always in one subgroup). The workgroup first takes the union of its rows' bands
 * (core's keyBand), then streams only the key tiles inside it: TK keys and values at a time through
 * workgroup memory. Per tile each row computes its TK scores, the tile maximum, rescales its running sum
 * and accumulator once (online softmax), and adds p·v. A row that sees nothing writes zeros. No Sq×T
 * buffer exists.
 *
 * Storage (wgsl-float16.ts): q, k, v, the K/V tiles and out are `f32`, or on the `shader-f16` road `f16`
 * (out `f16` or `f32` as the call's result dtype); scores, the softmax state and the accumulators are
 * float32 either way.
 */
import { ATTENTION_PARAMS, attentionCommon, SOFTCAP } from './attention-common.wgsl.js';
import { shapeKey } from './variants.js';
import { kernelSource, read, readWrite, type KernelSource } from './wgsl-bindings.js';
import { enableF16, F32_IO, ioKey, narrow, narrowing, usesF16, widen, type AttentionIo } from './wgsl-float16.js';

/** Compile-time shape of one fused variant. */
export interface FusedShape {
  /** Head sizes the variant holds (Dk ≤ dk, Dv ≤ dv; the real ones are uniforms). */
  readonly dk: number;
  readonly dv: number;
  /** Query rows per workgroup. */
  readonly tq: number;
  /** Keys per tile (≤ 32: visibility is a bit mask). */
  readonly tk: number;
  /** Lanes per row (1, or a power of two ≤ the subgroup size). */
  readonly lanes: number;
}

/** The bindings of the fused kernel with q, k, v and out stored as `io` says. */
export function fusedBindings(io: AttentionIo = F32_IO) {
  return {
    P: ATTENTION_PARAMS,
    q: read(`array<${io.input}>`),
    k: read(`array<${io.input}>`),
    v: read(`array<${io.input}>`),
    mask: read('array<u32>'),
    aux: read('array<u32>'),
    out: readWrite(`array<${io.output}>`),
  } as const;
}

/** The bindings of the float32 fused kernel. */
export const FUSED_BINDINGS = fusedBindings();

/**
 * The fused kernel of variant `s` with storage `io` (cache key `fused/<shape>`, and the storage when any is
 * `f16`, which needs the `shader-f16` feature; its K and V tiles are then `f16` too).
 */
export function fusedAttentionKernel(
  s: FusedShape,
  io: AttentionIo = F32_IO,
): KernelSource<ReturnType<typeof fusedBindings>> {
  return kernelSource(`fused/${shapeKey(s)}${ioKey(io)}`, fusedBindings(io), (declarations) =>
    fusedAttentionWgsl(s, io, declarations),
  );
}

function fusedAttentionWgsl(s: FusedShape, io: AttentionIo, declarations: string): string {
  const L = s.lanes;
  const qn = Math.ceil(s.dk / L),
    vn = Math.ceil(s.dv / L);
  const t = io.input;
  return /* wgsl */ `${enableF16(usesF16(io))}${L > 1 ? 'enable subgroups;\ndiagnostic(off, subgroup_uniformity);\n' : ''}
const TQ: u32 = ${s.tq}u;
const TK: u32 = ${s.tk}u;
const L: u32 = ${L}u;
const QN: u32 = ${qn}u;
const VN: u32 = ${vn}u;
const NT: u32 = ${s.tq * L}u;

${declarations}
${attentionCommon()}
${narrowing(io.output)}
var<workgroup> kt: array<${t}, ${s.tk * s.dk}>;
var<workgroup> vt: array<${t}, ${s.tk * s.dv}>;
var<workgroup> wLo: atomic<i32>;
var<workgroup> wHi: atomic<i32>;
var<workgroup> span: vec2<i32>;

@compute @workgroup_size(${s.tq * L})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
  let r = lid / L;
  let lane = lid % L;
  let i = wg.x * TQ + r;
  let rowOk = i < P.Sq;
  let iq = min(i, P.Sq - 1u);
  let bh = wg.y;
  let hd = headOf(bh);
  let off = batchOffset(hd.b);
  var band = rowBand(hd.b, iq, off);
  if (!rowOk) { band = vec2<i32>(0, 0); }

  // The union of the rows' bands: key tiles outside it are never loaded.
  if (lid == 0u) {
    atomicStore(&wLo, i32(P.T));
    atomicStore(&wHi, 0);
  }
  workgroupBarrier();
  if (band.y > band.x) {
    atomicMin(&wLo, band.x);
    atomicMax(&wHi, band.y);
  }
  workgroupBarrier();
  if (lid == 0u) { span = vec2<i32>(atomicLoad(&wLo), atomicLoad(&wHi)); }
  let keys = workgroupUniformLoad(&span);

  let DK = P.Dk;
  let DV = P.Dv;
  var qv: array<f32, QN>;
  let qBase = (bh * P.Sq + iq) * DK;
  for (var t = 0u; t < QN; t++) {
    let d = lane + t * L;
    qv[t] = select(0.0, ${widen(t, 'q[qBase + min(d, DK - 1u)]')}, d < DK);
  }
  var acc: array<f32, VN>;
  var m = NEG;
  var l = 0.0;
  let kBase = hd.ul * P.kvRows * DK;
  let vBase = hd.ul * P.kvRows * DV;
  var gp = 0u;
  var gEnd = 0u;
  if (P.graph != 0u) {
    gp = aux[P.goOff + iq];
    gEnd = aux[P.goOff + iq + 1u];
  }
  let terms = P.maskKind != 0u || P.alibi != 0u;
  for (var j0 = keys.x; j0 < keys.y; j0 += i32(TK)) {
    let n = u32(min(i32(TK), keys.y - j0));
    let k0 = kBase + u32(j0) * DK;
    for (var x = lid; x < n * DK; x += NT) { kt[x] = k[k0 + x]; }
    let v0 = vBase + u32(j0) * DV;
    for (var x = lid; x < n * DV; x += NT) { vt[x] = v[v0 + x]; }
    workgroupBarrier();
    var sc: array<f32, TK>;
    var vis = 0u;
    var tmax = NEG;
    ${L === 1 ? 'if (band.x < j0 + i32(n) && band.y > j0) {' : '{'}
      for (var c = 0u; c < TK; c++) {
        let kc = min(c, n - 1u) * DK;
        var dot = 0.0;
        for (var t = 0u; t < QN; t++) {
          let d = lane + t * L;
          if (d < DK) { dot += qv[t] * ${widen(t, 'kt[kc + d]')}; }
        }
${L > 1 ? '        for (var o = 1u; o < L; o = o << 1u) { dot += subgroupShuffleXor(dot, o); }' : ''}
        let j = j0 + i32(c);
        var x = dot * P.scale;
        ${SOFTCAP}
        var ok = c < n && j >= band.x && j < band.y;
        if (P.graph != 0u) {
          loop {
            if (gp >= gEnd || i32(aux[P.gkOff + gp]) >= j) { break; }
            gp++;
          }
          ok = ok && gp < gEnd && i32(aux[P.gkOff + gp]) == j;
        }
        if (ok && terms) { ok = applyTerms(hd.b, hd.h, iq, u32(j), off, &x); }
        if (ok) {
          vis |= 1u << c;
          tmax = max(tmax, x);
        }
        sc[c] = x;
      }
    }
    if (vis != 0u) {
      let mNew = max(m, tmax);
      let corr = select(exp(m - mNew), 0.0, m == NEG);
      l *= corr;
      for (var t = 0u; t < VN; t++) { acc[t] *= corr; }
      for (var c = 0u; c < TK; c++) {
        if ((vis & (1u << c)) != 0u) {
          let p = exp(sc[c] - mNew);
          l += p;
          for (var t = 0u; t < VN; t++) { acc[t] += p * ${widen(t, 'vt[c * DV + min(lane + t * L, DV - 1u)]')}; }
        }
      }
      m = mNew;
    }
    workgroupBarrier();
  }
  if (rowOk) {
    let inv = select(0.0, 1.0 / l, l > 0.0);
    for (var t = 0u; t < VN; t++) {
      let d = lane + t * L;
      if (d < DV) { out[outIndex(bh, hd.b, hd.h, i, d, DV)] = ${narrow(io.output, 'acc[t] * inv')}; }
    }
  }
}
`;
}
