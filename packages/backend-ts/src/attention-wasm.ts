/**
 * Tiled online-softmax attention on the WebAssembly SIMD kernels.
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, T total key length, Dk/Dv head sizes; Dp/Dvp the
 * head sizes padded to a multiple of 4 inside WebAssembly memory.
 *
 * Work is split into units of (batch·head, block of `BLOCK_Q` query rows). For a unit, the union of its
 * rows' visible bands (core's `keyBand`) gives the key range; only that range of K and V is copied into
 * WebAssembly memory, so a window of w costs O(S·w) and causal skips the upper triangle. For each key tile
 * of `TILE_KEYS`, the SIMD kernel `qk` computes the scores, the softmax step (scale already folded into Q,
 * softcap, masks, running max and sum) runs here, and `pv` accumulates probabilities times values.
 */
import { blockBands, hasElementTerms, maskTerm, type AttentionProblem } from '@attnkit/core';
import type { WasmKernels } from './wasm-kernels.js';

/** Query rows per unit of work. */
export const BLOCK_Q = 64;
/** Keys per tile. */
export const TILE_KEYS = 64;

const pad4 = (n: number): number => (n + 3) & ~3;

/**
 * Query heads per unit: the `group` heads that share a key/value head when their rows fit one block
 * (decode steps and other short queries with grouped heads, band masks only), so that their keys and
 * values are copied and read once for all of them; else 1.
 */
export function headsPerUnit(p: AttentionProblem): number {
  const g = p.group;
  return g > 1 && p.qLength * g <= BLOCK_Q && !hasElementTerms(p) && p.softcap === 0 ? g : 1;
}

/** Number of units of work of a problem. */
export function unitCount(p: AttentionProblem): number {
  return (p.batch * p.qHeads * Math.ceil(p.qLength / BLOCK_Q)) / headsPerUnit(p);
}

/** Runs units `[first, end)` (or the ones `next()` hands out) into `out` `[B, Hq, Sq, Dv]`. */
export function runUnits(p: AttentionProblem, kernels: WasmKernels, out: Float32Array, next: () => number): void {
  const { qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv, group, scale, softcap } = p;
  const Dp = pad4(Dk),
    Dvp = pad4(Dv);
  const blocks = Math.ceil(Sq / BLOCK_Q);
  const total = unitCount(p);
  // G > 1: one unit is G query heads × all Sq rows, row r being head (unit's first) + ⌊r / Sq⌋, position r % Sq.
  const G = headsPerUnit(p);
  const elementTerms = hasElementTerms(p);
  const lo = new Int32Array(BLOCK_Q),
    hi = new Int32Array(BLOCK_Q);
  const rowMax = new Float64Array(BLOCK_Q),
    rowSum = new Float64Array(BLOCK_Q);
  // Without per-element terms or softcap, the softmax step runs in WebAssembly too.
  const bandOnly = !elementTerms && softcap === 0;
  // Memory layout (4-byte words): Q block | score tile | accumulator | row bands lo, hi (i32) | running
  // max and sum (f32) | K range | V range.
  const qAt = kernels.baseWord,
    sAt = qAt + BLOCK_Q * Dp,
    aAt = sAt + BLOCK_Q * TILE_KEYS;
  const loAt = aAt + BLOCK_Q * Dvp,
    hiAt = loAt + BLOCK_Q,
    mAt = hiAt + BLOCK_Q,
    lAt = mAt + BLOCK_Q,
    kAt = lAt + BLOCK_Q;
  for (let unit = next(); unit < total; unit = next()) {
    const bh = G > 1 ? unit * G : Math.floor(unit / blocks);
    const i0 = G > 1 ? 0 : (unit % blocks) * BLOCK_Q;
    const rows = G > 1 ? G * Sq : Math.min(BLOCK_Q, Sq - i0);
    const b = Math.floor(bh / Hq),
      h = bh % Hq,
      kvh = Math.floor(h / group);
    const [rangeLo, rangeHi] = blockBands(p, b, i0, G > 1 ? Sq : rows, lo, hi);
    for (let r = Sq; G > 1 && r < rows; r++) {
      lo[r] = lo[r % Sq]!;
      hi[r] = hi[r % Sq]!;
    }
    // Rows are consecutive in q and in the output for one head's block, and for G heads' Sq rows alike.
    const oBase = (bh * Sq + i0) * Dv;
    if (rangeHi <= rangeLo) {
      out.fill(0, oBase, oBase + rows * Dv);
      continue;
    }
    const n = rangeHi - rangeLo;
    const vAt = kAt + n * Dp;
    const mem = kernels.reserve((vAt - qAt + n * Dvp) * 4);
    // Copy the Q block (scaled), and the K/V range, padding head sizes to Dp/Dvp with zeros.
    const q = p.q,
      k = p.k,
      v = p.v;
    for (let r = 0; r < rows; r++) {
      const src = (bh * Sq + i0 + r) * Dk,
        dst = qAt + r * Dp;
      for (let d = 0; d < Dk; d++) mem[dst + d] = q[src + d]! * scale;
      for (let d = Dk; d < Dp; d++) mem[dst + d] = 0;
    }
    const kBase = (b * Hkv + kvh) * T;
    copyPadded(k, kBase + rangeLo, n, Dk, mem, kAt, Dp);
    copyPadded(v, kBase + rangeLo, n, Dv, mem, vAt, Dvp);
    mem.fill(0, aAt, aAt + rows * Dvp);
    if (bandOnly) {
      const ints = new Int32Array(mem.buffer, 0, kAt);
      ints.set(lo.subarray(0, rows), loAt);
      ints.set(hi.subarray(0, rows), hiAt);
      mem.fill(-Infinity, mAt, mAt + rows);
      mem.fill(0, lAt, lAt + rows);
      const x = kernels.exports;
      for (let j0 = rangeLo; j0 < rangeHi; j0 += TILE_KEYS) {
        const cols = Math.min(TILE_KEYS, rangeHi - j0);
        x.qk(qAt * 4, (kAt + (j0 - rangeLo) * Dp) * 4, sAt * 4, rows, cols, Dp, TILE_KEYS);
        if (x.softmaxStep(sAt * 4, rows, cols, TILE_KEYS, j0, loAt * 4, hiAt * 4, mAt * 4, lAt * 4, aAt * 4, Dvp)) {
          x.pv(sAt * 4, (vAt + (j0 - rangeLo) * Dvp) * 4, aAt * 4, rows, cols, Dvp, TILE_KEYS);
        }
      }
      for (let r = 0; r < rows; r++) rowSum[r] = mem[lAt + r]!;
    } else {
      rowMax.fill(-Infinity);
      rowSum.fill(0);
      for (let j0 = rangeLo; j0 < rangeHi; j0 += TILE_KEYS) {
        const cols = Math.min(TILE_KEYS, rangeHi - j0);
        kernels.exports.qk(qAt * 4, (kAt + (j0 - rangeLo) * Dp) * 4, sAt * 4, rows, cols, Dp, TILE_KEYS);
        let any = false;
        for (let r = 0; r < rows; r++) {
          const sOff = sAt + r * TILE_KEYS;
          const l = lo[r]!,
            u = hi[r]!;
          const c0 = Math.max(0, l - j0),
            c1 = Math.min(cols, u - j0);
          if (c1 <= c0) {
            mem.fill(0, sOff, sOff + cols);
            continue;
          }
          let tileMax = -Infinity;
          for (let c = c0; c < c1; c++) {
            let x = mem[sOff + c]!;
            if (softcap > 0) x = softcap * Math.tanh(x / softcap);
            if (elementTerms) x += maskTerm(p, b, h, i0 + r, j0 + c);
            mem[sOff + c] = x;
            if (x > tileMax) tileMax = x;
          }
          if (tileMax === -Infinity) {
            mem.fill(0, sOff, sOff + cols);
            continue;
          }
          any = true;
          const mOld = rowMax[r]!;
          const mNew = tileMax > mOld ? tileMax : mOld;
          if (mNew > mOld && mOld !== -Infinity) {
            const corr = Math.exp(mOld - mNew);
            rowSum[r] = rowSum[r]! * corr;
            const aOff = aAt + r * Dvp;
            for (let d = 0; d < Dvp; d++) mem[aOff + d] = mem[aOff + d]! * corr;
          }
          rowMax[r] = mNew;
          let sum = 0;
          for (let c = 0; c < c0; c++) mem[sOff + c] = 0;
          for (let c = c0; c < c1; c++) {
            const e = Math.exp(mem[sOff + c]! - mNew);
            mem[sOff + c] = e;
            sum += e;
          }
          for (let c = c1; c < cols; c++) mem[sOff + c] = 0;
          rowSum[r] = rowSum[r]! + sum;
        }
        if (any) kernels.exports.pv(sAt * 4, (vAt + (j0 - rangeLo) * Dvp) * 4, aAt * 4, rows, cols, Dvp, TILE_KEYS);
      }
    }
    for (let r = 0; r < rows; r++) {
      const o = oBase + r * Dv;
      const l = rowSum[r]!;
      if (l === 0) {
        out.fill(0, o, o + Dv);
        continue;
      }
      const inv = 1 / l;
      const aOff = aAt + r * Dvp;
      for (let d = 0; d < Dv; d++) out[o + d] = mem[aOff + d]! * inv;
    }
  }
}

/** Copies `n` rows of width `D` from row `first` of `src` to `dst[at..]` with row width `Dp` (zero padding). */
function copyPadded(
  src: Float32Array,
  first: number,
  n: number,
  D: number,
  dst: Float32Array,
  at: number,
  Dp: number,
): void {
  if (Dp === D) {
    dst.set(src.subarray(first * D, (first + n) * D), at);
    return;
  }
  for (let j = 0; j < n; j++) {
    dst.set(src.subarray((first + j) * D, (first + j + 1) * D), at + j * Dp);
    dst.fill(0, at + j * Dp + D, at + (j + 1) * Dp);
  }
}
