/**
 * Tiled online-softmax attention on the WebAssembly SIMD kernels, on data that lies in the backend's
 * memory: q, k, v and the output are addressed by element offsets, and the kernels read keys and values
 * where they are (a resident tensor, a key/value cache's storage, or a call's inputs copied in once).
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, T key length (a cache's capacity), Dk/Dv head
 * sizes; Dp/Dvp the head sizes padded to a multiple of 4 in scratch.
 *
 * Work is split into units of (batch·head, block of `BLOCK_Q` query rows). For a unit, the union of its
 * rows' visible bands (core's `blockBands`: causal, window, key lengths, a cache's held entries, graph
 * range) gives the key range; tiles outside it are never touched, so a window of w costs O(S·w), causal
 * skips the upper triangle, and a cache call stops at the entries it holds. Band-only units run whole in
 * WebAssembly (`bandUnit`: scores, softmax step and P·V per tile of `TILE_KEYS`, then the normalised
 * rows); units with per-element terms (masks, graph, ALiBi) or a softcap run the tile loop here.
 */
import { blockBands, hasElementTerms, maskTerm, type AttentionSetup } from '@attnkit/core';
import type { WasmKernels } from './wasm-kernels.js';

/** Query rows per unit of work. */
export const BLOCK_Q = 64;
/** Keys per tile. */
export const TILE_KEYS = 64;

const pad4 = (n: number): number => (n + 3) & ~3;

/** Element offsets of a call's `[B, H, S, D]` q, k, v and output in the backend's memory. */
export interface Offsets {
  readonly qAt: number;
  readonly kAt: number;
  readonly vAt: number;
  readonly oAt: number;
}

/** A call on the backend's memory: its setup and where its data lies. */
export interface MemProblem extends AttentionSetup, Offsets {}

/** The setup of a problem without its arrays or other fields (what is sent to worker threads). */
export function memProblem(setup: AttentionSetup, at: Offsets): MemProblem {
  const s = setup as AttentionSetup & Record<string, unknown>;
  const { q: _q, k: _k, v: _v, halves: _h, keep: _keep, ...rest } = s;
  return { ...(rest as AttentionSetup), ...at };
}

/** Elements of one thread's scratch for head sizes Dk, Dv: Q block, score tile, accumulator, bands and row statistics. */
export function scratchWords(Dk: number, Dv: number): number {
  return BLOCK_Q * (pad4(Dk) + TILE_KEYS + pad4(Dv) + 4);
}

/**
 * Query heads per unit: the `group` heads that share a key/value head when their rows fit one block
 * (decode steps and other short queries with grouped heads, band masks only), so that their keys and
 * values are read once for all of them; else 1.
 */
export function headsPerUnit(p: AttentionSetup): number {
  const g = p.group;
  return g > 1 && p.qLength * g <= BLOCK_Q && !hasElementTerms(p) && p.softcap === 0 ? g : 1;
}

/** Number of units of work of a problem. */
export function unitCount(p: AttentionSetup): number {
  return (p.batch * p.qHeads * Math.ceil(p.qLength / BLOCK_Q)) / headsPerUnit(p);
}

/**
 * Whether each key/value head is read by exactly one unit (one query block per head, and grouped heads in
 * one unit): a decode step, or any call of at most {@link BLOCK_Q} query rows per unit.
 */
export function oneUnitPerKvHead(p: AttentionSetup): boolean {
  return p.qLength * headsPerUnit(p) <= BLOCK_Q && headsPerUnit(p) === p.group;
}

/** Called before a unit runs: its query rows (element offset and length in q) and its key/value head. */
export type BeforeUnit = (qFrom: number, qElements: number, kvHead: number) => void;

/**
 * Runs the units `next()` hands out, of the call `p` on the data at `at`, with `scratch` (element offset,
 * {@link scratchWords} long) as this thread's; `before` is told of each unit first.
 */
export function runUnits(
  p: AttentionSetup,
  at: Offsets,
  kernels: WasmKernels,
  scratch: number,
  next: () => number,
  before?: BeforeUnit,
): void {
  const { qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv, group, scale, softcap } = p;
  const Dp = pad4(Dk),
    Dvp = pad4(Dv);
  const blocks = Math.ceil(Sq / BLOCK_Q);
  const total = unitCount(p);
  // G > 1: one unit is G query heads × all Sq rows, row r being head (unit's first) + ⌊r / Sq⌋, position r % Sq.
  const G = headsPerUnit(p);
  const elementTerms = hasElementTerms(p);
  // Without per-element terms or softcap, the whole unit runs in WebAssembly.
  const bandOnly = !elementTerms && softcap === 0;
  const lo = new Int32Array(BLOCK_Q),
    hi = new Int32Array(BLOCK_Q);
  // Scratch layout (elements): Q block | score tile | accumulator | row bands lo, hi (i32) | running max, sum.
  const qAt = scratch,
    sAt = qAt + BLOCK_Q * Dp,
    aAt = sAt + BLOCK_Q * TILE_KEYS;
  const loAt = aAt + BLOCK_Q * Dvp,
    hiAt = loAt + BLOCK_Q,
    mAt = hiAt + BLOCK_Q,
    lAt = mAt + BLOCK_Q;
  const x = kernels.exports;
  for (let unit = next(); unit < total; unit = next()) {
    const bh = G > 1 ? unit * G : Math.floor(unit / blocks);
    const i0 = G > 1 ? 0 : (unit % blocks) * BLOCK_Q;
    const rows = G > 1 ? G * Sq : Math.min(BLOCK_Q, Sq - i0);
    const b = Math.floor(bh / Hq),
      h = bh % Hq,
      kvh = Math.floor(h / group);
    before?.((bh * Sq + i0) * Dk, rows * Dk, b * Hkv + kvh);
    const [rangeLo, rangeHi] = blockBands(p, b, i0, G > 1 ? Sq : rows, lo, hi);
    for (let r = Sq; G > 1 && r < rows; r++) {
      lo[r] = lo[r % Sq]!;
      hi[r] = hi[r % Sq]!;
    }
    // Rows are consecutive in q and in the output for one head's block, and for G heads' Sq rows alike.
    const oAt = at.oAt + (bh * Sq + i0) * Dv;
    if (rangeHi <= rangeLo) {
      kernels.f32().fill(0, oAt, oAt + rows * Dv);
      continue;
    }
    x.loadRows((at.qAt + (bh * Sq + i0) * Dk) * 4, qAt * 4, rows, Dk, Dp, scale);
    const kAt = at.kAt + (b * Hkv + kvh) * T * Dk,
      vAt = at.vAt + (b * Hkv + kvh) * T * Dv;
    if (bandOnly) {
      const ints = kernels.i32();
      ints.set(lo.subarray(0, rows), loAt);
      ints.set(hi.subarray(0, rows), hiAt);
      // prettier-ignore
      x.bandUnit(qAt * 4, kAt * 4, vAt * 4, oAt * 4, sAt * 4, aAt * 4, loAt * 4, hiAt * 4, mAt * 4, lAt * 4,
        rows,
        rangeLo,
        rangeHi,
        Dk,
        Dv,
        Dp,
        Dk,
        Dv,
        Dvp,
        Dv,
        TILE_KEYS,
      );
      continue;
    }
    elementUnit(p, kernels, { b, h, i0, rows, rangeLo, rangeHi, lo, hi, kAt, vAt, oAt, qAt, sAt, aAt, Dvp });
  }
}

const rowMax = new Float64Array(BLOCK_Q),
  rowSum = new Float64Array(BLOCK_Q);

/** A unit with per-element terms or a softcap: the softmax step of each tile runs here, the dot products in WebAssembly. */
function elementUnit(
  p: AttentionSetup,
  kernels: WasmKernels,
  u: {
    b: number;
    h: number;
    i0: number;
    rows: number;
    rangeLo: number;
    rangeHi: number;
    lo: Int32Array;
    hi: Int32Array;
    kAt: number;
    vAt: number;
    oAt: number;
    qAt: number;
    sAt: number;
    aAt: number;
    Dvp: number;
  },
): void {
  const { keyDim: Dk, valueDim: Dv, softcap } = p;
  const { b, h, i0, rows, rangeLo, rangeHi, lo, hi, kAt, vAt, oAt, qAt, sAt, aAt, Dvp } = u;
  const elementTerms = hasElementTerms(p);
  const x = kernels.exports;
  const Dp = pad4(Dk);
  // No memory grows while a unit runs: the view stays valid.
  const mem = kernels.f32();
  mem.fill(0, aAt, aAt + rows * Dvp);
  rowMax.fill(-Infinity);
  rowSum.fill(0);
  for (let j0 = rangeLo; j0 < rangeHi; j0 += TILE_KEYS) {
    const cols = Math.min(TILE_KEYS, rangeHi - j0);
    x.qk(qAt * 4, (kAt + j0 * Dk) * 4, sAt * 4, rows, cols, Dk, Dp, Dk, TILE_KEYS);
    let any = false;
    for (let r = 0; r < rows; r++) {
      const sOff = sAt + r * TILE_KEYS;
      const c0 = Math.max(0, lo[r]! - j0),
        c1 = Math.min(cols, hi[r]! - j0);
      if (c1 <= c0) {
        mem.fill(0, sOff, sOff + cols);
        continue;
      }
      let tileMax = -Infinity;
      for (let c = c0; c < c1; c++) {
        let s = mem[sOff + c]!;
        if (softcap > 0) s = softcap * Math.tanh(s / softcap);
        if (elementTerms) s += maskTerm(p, b, h, i0 + r, j0 + c);
        mem[sOff + c] = s;
        if (s > tileMax) tileMax = s;
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
      mem.fill(0, sOff, sOff + c0);
      for (let c = c0; c < c1; c++) {
        const e = Math.exp(mem[sOff + c]! - mNew);
        mem[sOff + c] = e;
        sum += e;
      }
      mem.fill(0, sOff + c1, sOff + cols);
      rowSum[r] = rowSum[r]! + sum;
    }
    if (any) x.pv(sAt * 4, (vAt + j0 * Dv) * 4, aAt * 4, rows, cols, Dv, Dv, Dvp, TILE_KEYS);
  }
  for (let r = 0; r < rows; r++) {
    const o = oAt + r * Dv;
    const l = rowSum[r]!;
    if (l === 0) {
      mem.fill(0, o, o + Dv);
      continue;
    }
    const inv = 1 / l;
    const aOff = aAt + r * Dvp;
    for (let d = 0; d < Dv; d++) mem[o + d] = mem[aOff + d]! * inv;
  }
}
