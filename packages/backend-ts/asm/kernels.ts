// WebAssembly SIMD kernels of @attnkit/backend-ts (AssemblyScript source; `pnpm build` compiles it to
// src/generated/kernels-wasm.ts). Pointers are byte offsets into the memory the module imports: the
// backend's memory, where its resident tensors, key/value caches and scratch live, shared by the worker
// threads where they run.
//
// Shape legend: R query rows of a tile, C keys of a tile, D head size (the length of a dot product, or the
// value columns), ld* row strides in elements. Query blocks and accumulators live in scratch, padded to a
// multiple of 4 with zeros; keys and values are read where they lie, with any stride (a D that is not a
// multiple of 4 is finished with scalar steps). All matrices are row-major float32.

/** S[r·ldS + c] = Σ_{d<D} Q[r·ldQ + d] · K[c·ldK + d] for r < R, c < C. */
export function qk(q: usize, k: usize, s: usize, R: i32, C: i32, D: i32, ldQ: i32, ldK: i32, ldS: i32): void {
  const qRow = <usize>ldQ << 2, kRow = <usize>ldK << 2;
  const vecBytes = <usize>(D & ~3) << 2, bytes = <usize>D << 2;
  const ld = <usize>ldS << 2;
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const q0 = q + <usize>r * qRow;
    const q1 = q0 + qRow, q2 = q1 + qRow, q3 = q2 + qRow;
    const sr = s + <usize>r * ld;
    let c = 0;
    for (; c + 2 <= C; c += 2) {
      const k0 = k + <usize>c * kRow;
      const k1 = k0 + kRow;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
      for (let d: usize = 0; d < vecBytes; d += 16) {
        const kv0 = v128.load(k0 + d), kv1 = v128.load(k1 + d);
        const x0 = v128.load(q0 + d), x1 = v128.load(q1 + d), x2 = v128.load(q2 + d), x3 = v128.load(q3 + d);
        a00 = madd(x0, kv0, a00); a01 = madd(x0, kv1, a01);
        a10 = madd(x1, kv0, a10); a11 = madd(x1, kv1, a11);
        a20 = madd(x2, kv0, a20); a21 = madd(x2, kv1, a21);
        a30 = madd(x3, kv0, a30); a31 = madd(x3, kv1, a31);
      }
      // The 8 sums as two vectors (rows 0, 1 and rows 2, 3; keys c, c + 1 each): stored 2 at a time.
      let u = hsum4(a00, a01, a10, a11), w = hsum4(a20, a21, a30, a31);
      if (bytes > vecBytes) {
        u = addLanes(u, tail(q0, k0, vecBytes, bytes), tail(q0, k1, vecBytes, bytes), tail(q1, k0, vecBytes, bytes), tail(q1, k1, vecBytes, bytes));
        w = addLanes(w, tail(q2, k0, vecBytes, bytes), tail(q2, k1, vecBytes, bytes), tail(q3, k0, vecBytes, bytes), tail(q3, k1, vecBytes, bytes));
      }
      const o = sr + (<usize>c << 2);
      v128.store64_lane(o, u, 0); v128.store64_lane(o + ld, u, 1);
      v128.store64_lane(o + 2 * ld, w, 0); v128.store64_lane(o + 3 * ld, w, 1);
    }
    for (; c < C; c++) {
      const kc = k + <usize>c * kRow;
      for (let i = 0; i < 4; i++) {
        const qr = q0 + <usize>i * qRow;
        store<f32>(sr + <usize>i * ld + (<usize>c << 2), dot(qr, kc, vecBytes, bytes));
      }
    }
  }
  // Rows left over (all of them for a decode step without grouped heads): 4 keys at a time, 4 independent
  // accumulators.
  for (; r < R; r++) {
    const qr = q + <usize>r * qRow;
    const sr = s + <usize>r * ld;
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const k0 = k + <usize>c * kRow;
      const k1 = k0 + kRow, k2 = k1 + kRow, k3 = k2 + kRow;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let d: usize = 0; d < vecBytes; d += 16) {
        const x = v128.load(qr + d);
        a0 = madd(x, v128.load(k0 + d), a0); a1 = madd(x, v128.load(k1 + d), a1);
        a2 = madd(x, v128.load(k2 + d), a2); a3 = madd(x, v128.load(k3 + d), a3);
      }
      let u = hsum4(a0, a1, a2, a3);
      if (bytes > vecBytes)
        u = addLanes(u, tail(qr, k0, vecBytes, bytes), tail(qr, k1, vecBytes, bytes), tail(qr, k2, vecBytes, bytes), tail(qr, k3, vecBytes, bytes));
      v128.store(sr + (<usize>c << 2), u);
    }
    for (; c < C; c++) store<f32>(sr + (<usize>c << 2), dot(qr, k + <usize>c * kRow, vecBytes, bytes));
  }
}

// a·b + c: one fused multiply-add in the relaxed-SIMD build (f32x4.relaxed_madd), a multiply and an add in
// the plain-SIMD build. The build compiles this file once for each.
// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

// @ts-ignore: decorator
@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

// [Σ a, Σ b, Σ c, Σ d]: four horizontal sums at once (a transpose by shuffles).
// @ts-ignore: decorator
@inline function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const t0 = f32x4.add(v128.shuffle<f32>(a, b, 0, 1, 4, 5), v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  const t1 = f32x4.add(v128.shuffle<f32>(c, d, 0, 1, 4, 5), v128.shuffle<f32>(c, d, 2, 3, 6, 7));
  return f32x4.add(v128.shuffle<f32>(t0, t1, 0, 2, 4, 6), v128.shuffle<f32>(t0, t1, 1, 3, 5, 7));
}

// @ts-ignore: decorator
@inline function addLanes(v: v128, a: f32, b: f32, c: f32, d: f32): v128 {
  v = f32x4.replace_lane(v, 0, f32x4.extract_lane(v, 0) + a);
  v = f32x4.replace_lane(v, 1, f32x4.extract_lane(v, 1) + b);
  v = f32x4.replace_lane(v, 2, f32x4.extract_lane(v, 2) + c);
  return f32x4.replace_lane(v, 3, f32x4.extract_lane(v, 3) + d);
}

// The scalar end of a dot product: bytes [from, to) of rows a and b (at most 3 elements).
// @ts-ignore: decorator
@inline function tail(a: usize, b: usize, from: usize, to: usize): f32 {
  let t: f32 = 0;
  for (let d = from; d < to; d += 4) t += load<f32>(a + d) * load<f32>(b + d);
  return t;
}

// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, vecBytes: usize, bytes: usize): f32 {
  let acc = f32x4.splat(0);
  for (let d: usize = 0; d < vecBytes; d += 16) acc = madd(v128.load(a + d), v128.load(b + d), acc);
  return hsum(acc) + tail(a, b, vecBytes, bytes);
}

/** A[r·ldA + d] += Σ_c P[r·ldS + c] · V[c·ldV + d] for r < R, c < C, d < D (P is zero where masked). */
export function pv(p: usize, v: usize, a: usize, R: i32, C: i32, D: i32, ldV: i32, ldA: i32, ldS: i32): void {
  const vRow = <usize>ldV << 2, aRow = <usize>ldA << 2, ldP = <usize>ldS << 2;
  const vecBytes = <usize>(D & ~3) << 2, bytes = <usize>D << 2;
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const p0 = p + <usize>r * ldP;
    const a0 = a + <usize>r * aRow;
    let d: usize = 0;
    for (; d + 32 <= vecBytes; d += 32) {
      let c00 = v128.load(a0 + d), c01 = v128.load(a0 + d + 16);
      let c10 = v128.load(a0 + aRow + d), c11 = v128.load(a0 + aRow + d + 16);
      let c20 = v128.load(a0 + 2 * aRow + d), c21 = v128.load(a0 + 2 * aRow + d + 16);
      let c30 = v128.load(a0 + 3 * aRow + d), c31 = v128.load(a0 + 3 * aRow + d + 16);
      // Each row's weight is loaded just before its two multiply-adds, so one weight is live at a time
      // instead of four, and the value and weight addresses step instead of being recomputed (faster in the
      // plain-SIMD build; about even with relaxed SIMD).
      let vr = v + d;
      const pEnd = p0 + (<usize>C << 2);
      for (let pc = p0; pc < pEnd; pc += 4) {
        const v0 = v128.load(vr), v1 = v128.load(vr + 16);
        let w = v128.load32_splat(pc);
        c00 = madd(w, v0, c00); c01 = madd(w, v1, c01);
        w = v128.load32_splat(pc + ldP);
        c10 = madd(w, v0, c10); c11 = madd(w, v1, c11);
        w = v128.load32_splat(pc + 2 * ldP);
        c20 = madd(w, v0, c20); c21 = madd(w, v1, c21);
        w = v128.load32_splat(pc + 3 * ldP);
        c30 = madd(w, v0, c30); c31 = madd(w, v1, c31);
        vr += vRow;
      }
      v128.store(a0 + d, c00); v128.store(a0 + d + 16, c01);
      v128.store(a0 + aRow + d, c10); v128.store(a0 + aRow + d + 16, c11);
      v128.store(a0 + 2 * aRow + d, c20); v128.store(a0 + 2 * aRow + d + 16, c21);
      v128.store(a0 + 3 * aRow + d, c30); v128.store(a0 + 3 * aRow + d + 16, c31);
    }
    for (let i = 0; i < 4; i++) pvRowTail(p0 + <usize>i * ldP, v, a0 + <usize>i * aRow, C, vRow, d, vecBytes, bytes);
  }
  // Rows left over (all of them for a decode step without grouped heads): 16 value columns at a time, 4
  // independent accumulators.
  for (; r < R; r++) {
    const pr = p + <usize>r * ldP;
    const ar = a + <usize>r * aRow;
    let d: usize = 0;
    for (; d + 64 <= vecBytes; d += 64) {
      let c0 = v128.load(ar + d), c1 = v128.load(ar + d + 16), c2 = v128.load(ar + d + 32), c3 = v128.load(ar + d + 48);
      for (let c = 0; c < C; c++) {
        const vr = v + <usize>c * vRow + d;
        const w = v128.load32_splat(pr + (<usize>c << 2));
        c0 = madd(w, v128.load(vr), c0); c1 = madd(w, v128.load(vr + 16), c1);
        c2 = madd(w, v128.load(vr + 32), c2); c3 = madd(w, v128.load(vr + 48), c3);
      }
      v128.store(ar + d, c0); v128.store(ar + d + 16, c1); v128.store(ar + d + 32, c2); v128.store(ar + d + 48, c3);
    }
    pvRowTail(pr, v, ar, C, vRow, d, vecBytes, bytes);
  }
}

// The value columns [from, bytes) of one row: 4 at a time, then one at a time.
// @ts-ignore: decorator
@inline function pvRowTail(p: usize, v: usize, a: usize, C: i32, vRow: usize, from: usize, vecBytes: usize, bytes: usize): void {
  let d = from;
  for (; d < vecBytes; d += 16) {
    let acc = v128.load(a + d);
    for (let c = 0; c < C; c++) acc = madd(v128.load32_splat(p + (<usize>c << 2)), v128.load(v + <usize>c * vRow + d), acc);
    v128.store(a + d, acc);
  }
  for (; d < bytes; d += 4) {
    let acc = load<f32>(a + d);
    for (let c = 0; c < C; c++) acc += load<f32>(p + (<usize>c << 2)) * load<f32>(v + <usize>c * vRow + d);
    store<f32>(a + d, acc);
  }
}

/** dst[r·ldDst + d] = src[r·D + d] · scale for d < D, and 0 for D ≤ d < ldDst (padding), r < R. */
export function loadRows(src: usize, dst: usize, R: i32, D: i32, ldDst: i32, scale: f32): void {
  const sRow = <usize>D << 2, dRow = <usize>ldDst << 2;
  const vecBytes = <usize>(D & ~3) << 2;
  const k = f32x4.splat(scale);
  for (let r = 0; r < R; r++) {
    const sr = src + <usize>r * sRow, dr = dst + <usize>r * dRow;
    let d: usize = 0;
    for (; d < vecBytes; d += 16) v128.store(dr + d, f32x4.mul(v128.load(sr + d), k));
    for (; d < sRow; d += 4) store<f32>(dr + d, load<f32>(sr + d) * scale);
    for (; d < dRow; d += 4) store<f32>(dr + d, 0);
  }
}

// ---- Online-softmax step, for tiles whose visibility is a band per row (no per-element mask terms) ----

// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  return expIn(f32x4.pmin(f32x4.pmax(x, f32x4.splat(-87.0)), f32x4.splat(88.0)));
}

// exp(x) for x in [−87, 88] (callers clamp): 2^n · e^r with n = round(x·log2 e) and r = x − n·ln 2 (ln 2
// split in two), e^r ≈ 1 + r + r²·P(r) with P of degree 3 (a least-relative-error fit on [−ln 2/2, ln 2/2]:
// relative error below 1.1e-7, 1.8e-7 in float32 arithmetic). n is rounded by adding 1.5·2^23, which leaves
// n in the low mantissa bits of the sum: shifted into the exponent field with the bias added, they are 2^n
// (the sum's own exponent bits shift out). pmin/pmax (one instruction each; min/max cost several for NaN
// and signed zeros) let a NaN through, and the result is then NaN.
// @ts-ignore: decorator
@inline function expIn(x: v128): v128 {
  const t = madd(x, f32x4.splat(1.44269504088896341), f32x4.splat(12582912.0));
  const n = f32x4.sub(t, f32x4.splat(12582912.0));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = madd(n, f32x4.splat(2.12194440e-4), r);
  let y = madd(f32x4.splat(8.3125310963e-3), r, f32x4.splat(4.1890123686e-2));
  y = madd(y, r, f32x4.splat(1.6667114431e-1));
  y = madd(y, r, f32x4.splat(4.9999231697e-1));
  y = f32x4.add(madd(f32x4.mul(y, r), r, r), f32x4.splat(1.0));
  const pow2n = i32x4.shl(i32x4.add(t, i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2n);
}

/**
 * One online-softmax step over a score tile. Row r sees tile columns [lo[r] − j0, hi[r] − j0) ∩ [0, C);
 * the rest is masked. Updates the running maximum m[r] and sum l[r], rescales the accumulator row
 * A[r·ldA ..] when the maximum grows, and overwrites the scores with exp(s − m) (0 where masked).
 * Returns 1 if any row saw a key of this tile.
 */
export function softmaxStep(s: usize, R: i32, C: i32, ldS: i32, j0: i32, lo: usize, hi: usize, m: usize, l: usize, a: usize, ldA: i32): i32 {
  let any = 0;
  for (let r = 0; r < R; r++) {
    const row = s + ((<usize>r * <usize>ldS) << 2);
    const c0 = max(0, load<i32>(lo + (<usize>r << 2)) - j0);
    const c1 = min(C, load<i32>(hi + (<usize>r << 2)) - j0);
    if (c1 <= c0) {
      for (let c = 0; c < C; c += 4) v128.store(row + (<usize>c << 2), f32x4.splat(0));
      continue;
    }
    any = 1;
    // A row that sees the whole tile (dense attention, and every tile of a band but its edges) takes
    // the maximum and the exponentials 4 at a time, without masks.
    const whole = c0 == 0 && c1 == C && (C & 3) == 0;
    let tileMax: f32 = -Infinity;
    if (whole) {
      let mx = f32x4.splat(-Infinity);
      for (let c = 0; c < C; c += 4) mx = f32x4.pmax(mx, v128.load(row + (<usize>c << 2)));
      tileMax = max(max(f32x4.extract_lane(mx, 0), f32x4.extract_lane(mx, 1)), max(f32x4.extract_lane(mx, 2), f32x4.extract_lane(mx, 3)));
    } else
      for (let c = c0; c < c1; c++) {
        const x = load<f32>(row + (<usize>c << 2));
        tileMax = select(x, tileMax, x > tileMax); // f32.max would order NaN and signed zeros (several instructions)
      }
    const mp = m + (<usize>r << 2);
    const mOld = load<f32>(mp);
    const mNew = select(tileMax, mOld, tileMax > mOld);
    if (mNew > mOld && mOld != -Infinity) {
      const corr = exp4(f32x4.splat(mOld - mNew));
      const lp = l + (<usize>r << 2);
      store<f32>(lp, load<f32>(lp) * f32x4.extract_lane(corr, 0));
      const ar = a + ((<usize>r * <usize>ldA) << 2);
      for (let d = 0; d < ldA; d += 4) v128.store(ar + (<usize>d << 2), f32x4.mul(v128.load(ar + (<usize>d << 2)), corr));
    }
    store<f32>(mp, mNew);
    const mv = f32x4.splat(mNew);
    const lo4 = i32x4.splat(c0), hi4 = i32x4.splat(c1);
    let sum = f32x4.splat(0);
    if (whole) {
      for (let c = 0; c < C; c += 4) {
        const p = expIn(f32x4.pmax(f32x4.sub(v128.load(row + (<usize>c << 2)), mv), f32x4.splat(-87.0)));
        v128.store(row + (<usize>c << 2), p);
        sum = f32x4.add(sum, p);
      }
    } else {
      // Only the vectors that hold a visible column take exponentials; the rest of the row is zeroed.
      const v0 = c0 & ~3, v1 = (c1 + 3) & ~3;
      for (let c = 0; c < v0; c += 4) v128.store(row + (<usize>c << 2), f32x4.splat(0));
      for (let c = v0; c < v1; c += 4) {
        const idx = i32x4.add(i32x4.splat(c), i32x4(0, 1, 2, 3));
        const inside = v128.and(i32x4.ge_s(idx, lo4), i32x4.lt_s(idx, hi4));
        const p = v128.and(expIn(f32x4.pmax(f32x4.sub(v128.load(row + (<usize>c << 2)), mv), f32x4.splat(-87.0))), inside);
        v128.store(row + (<usize>c << 2), p);
        sum = f32x4.add(sum, p);
      }
      for (let c = v1; c < C; c += 4) v128.store(row + (<usize>c << 2), f32x4.splat(0));
    }
    const lp = l + (<usize>r << 2);
    store<f32>(lp, load<f32>(lp) + f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3));
  }
  return any;
}

/**
 * A whole unit of band-only attention in one call: R query rows (already scaled, `ldQ` apart) against
 * keys [jLo, jHi) of one key/value head (K rows `ldK` apart, V rows `ldV` apart, where they lie), in tiles
 * of `tile` keys: scores, the online-softmax step and P·V per tile, then the normalised rows (`ldO`
 * apart; zeros for a row that saw no key). Row r sees keys [lo[r], hi[r]). Scratch: the score tile s
 * (R × tile), the accumulator a (R × ldA), the running maxima m and sums l (R each).
 */
export function bandUnit(
  q: usize, k: usize, v: usize, o: usize,
  s: usize, a: usize, lo: usize, hi: usize, m: usize, l: usize,
  R: i32, jLo: i32, jHi: i32, Dk: i32, Dv: i32,
  ldQ: i32, ldK: i32, ldV: i32, ldA: i32, ldO: i32, tile: i32,
): void {
  // A band that moves along the rows (a local window, the causal diagonal) runs in blocks of SUB_ROWS
  // rows, each over the keys its own rows see, when that computes fewer scores (plus a fixed cost per
  // block) than the whole block over the union of every row's keys: a window of ±16 computes 3× the
  // scores it needs in blocks of 64 rows, 1.5× in blocks of 16.
  if (R > SUB_ROWS) {
    let split: i64 = 0;
    for (let r0 = 0; r0 < R; r0 += SUB_ROWS) {
      const band = rowsBand(lo, hi, r0, min(R, r0 + SUB_ROWS), jLo, jHi);
      const b0 = <i32>(band >> 32), b1 = <i32>band;
      if (b1 > b0) split += <i64>(min(R, r0 + SUB_ROWS) - r0) * <i64>(b1 - b0 + SUB_COST);
    }
    if (split < <i64>R * <i64>(jHi - jLo)) {
      for (let r0 = 0; r0 < R; r0 += SUB_ROWS) {
        const r1 = min(R, r0 + SUB_ROWS);
        const band = rowsBand(lo, hi, r0, r1, jLo, jHi);
        const b0 = <i32>(band >> 32), b1 = <i32>band;
        const rr = <usize>r0;
        blockUnit(q + ((rr * <usize>ldQ) << 2), k, v, o + ((rr * <usize>ldO) << 2), s, a + ((rr * <usize>ldA) << 2),
          lo + (rr << 2), hi + (rr << 2), m + (rr << 2), l + (rr << 2), r1 - r0, b0, max(b0, b1), Dk, Dv, ldQ, ldK, ldV, ldA, ldO, tile);
      }
      return;
    }
  }
  blockUnit(q, k, v, o, s, a, lo, hi, m, l, R, jLo, jHi, Dk, Dv, ldQ, ldK, ldV, ldA, ldO, tile);
}

/** Rows of the blocks a moving band is run in. */
const SUB_ROWS = 16;
/** The fixed cost of a block of rows (its own tile loop), in scores per row. */
const SUB_COST = 8;

// The keys rows [r0, r1) see, [min lo, max hi) clipped to [jLo, jHi), as b0 << 32 | b1 (b1 <= b0: none
// sees any). Both are in [0, 2^31).
// @ts-ignore: decorator
@inline function rowsBand(lo: usize, hi: usize, r0: i32, r1: i32, jLo: i32, jHi: i32): i64 {
  let b0 = jHi, b1 = jLo;
  for (let r = r0; r < r1; r++) {
    const a = max(jLo, load<i32>(lo + (<usize>r << 2))), b = min(jHi, load<i32>(hi + (<usize>r << 2)));
    if (b > a) { b0 = min(b0, a); b1 = max(b1, b); }
  }
  return (<i64>b0 << 32) | <i64>b1;
}

function blockUnit(
  q: usize, k: usize, v: usize, o: usize,
  s: usize, a: usize, lo: usize, hi: usize, m: usize, l: usize,
  R: i32, jLo: i32, jHi: i32, Dk: i32, Dv: i32,
  ldQ: i32, ldK: i32, ldV: i32, ldA: i32, ldO: i32, tile: i32,
): void {
  const aRow = <usize>ldA << 2;
  for (let r = 0; r < R; r++) {
    const ar = a + <usize>r * aRow;
    for (let d: usize = 0; d < aRow; d += 16) v128.store(ar + d, f32x4.splat(0));
    store<f32>(m + (<usize>r << 2), -Infinity);
    store<f32>(l + (<usize>r << 2), 0);
  }
  for (let j0 = jLo; j0 < jHi; j0 += tile) {
    const cols = min(tile, jHi - j0);
    qk(q, k + ((<usize>j0 * <usize>ldK) << 2), s, R, cols, Dk, ldQ, ldK, tile);
    if (softmaxStep(s, R, cols, tile, j0, lo, hi, m, l, a, ldA))
      pv(s, v + ((<usize>j0 * <usize>ldV) << 2), a, R, cols, Dv, ldV, ldA, tile);
  }
  const oRow = <usize>ldO << 2;
  const vecBytes = <usize>(Dv & ~3) << 2, bytes = <usize>Dv << 2;
  for (let r = 0; r < R; r++) {
    const sum = load<f32>(l + (<usize>r << 2));
    const ar = a + <usize>r * aRow, or = o + <usize>r * oRow;
    if (sum == 0) {
      for (let d = 0; d < Dv; d++) store<f32>(or + (<usize>d << 2), 0);
      continue;
    }
    // Four divisions at a time (each lane divides exactly as the scalar tail does).
    const sums = f32x4.splat(sum);
    let d: usize = 0;
    for (; d < vecBytes; d += 16) v128.store(or + d, f32x4.div(v128.load(ar + d), sums));
    for (; d < bytes; d += 4) store<f32>(or + d, load<f32>(ar + d) / sum);
  }
}

/**
 * Σ x² over the `n` floats at `p`, for core's scan of a call's inputs (see `sumsInputSquares` in
 * `@attnkit/core`): float32 products summed in float32 lanes within runs of 4096 elements and in float64
 * across them. A NaN or an infinity makes the sum non-finite; so does a square beyond float32's range, which
 * only sends core to its exact scan. Adding never takes a sum below its largest term, and each rounded square
 * is within a factor 1 − 2⁻²⁴ of the true one: the result, scaled by 1 + 2⁻²⁰, bounds the largest square
 * from above.
 */
export function sumSquares(p: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  while (i + 16 <= n) {
    const end = min(n & ~15, i + 4096);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    for (; i < end; i += 16) {
      const at = p + (<usize>i << 2);
      const x0 = v128.load(at), x1 = v128.load(at + 16), x2 = v128.load(at + 32), x3 = v128.load(at + 48);
      a0 = madd(x0, x0, a0); a1 = madd(x1, x1, a1); a2 = madd(x2, x2, a2); a3 = madd(x3, x3, a3);
    }
    total += <f64>hsum(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)));
  }
  for (; i < n; i++) {
    const x = load<f32>(p + (<usize>i << 2));
    total += <f64>(x * x);
  }
  return total * (1 + 1.0 / 1048576.0);
}

// ---- Elementwise and row operations of the encoder's dense layers ----

/** y[r·O + o] += b[o] for r < R, o < O. */
export function addBias(y: usize, R: i32, O: i32, b: usize): void {
  const row = <usize>O << 2, vecBytes = <usize>(O & ~3) << 2;
  for (let r = 0; r < R; r++) {
    const yr = y + <usize>r * row;
    let d: usize = 0;
    for (; d < vecBytes; d += 16) v128.store(yr + d, f32x4.add(v128.load(yr + d), v128.load(b + d)));
    for (; d < row; d += 4) store<f32>(yr + d, load<f32>(yr + d) + load<f32>(b + d));
  }
}

// GELU, tanh form: 0.5·v·(1 + tanh(√(2/π)·(v + 0.044715·v³))), with tanh(u) = 1 − 2/(e^{2u} + 1). exp4 clamps
// its argument, so a large |u| gives tanh ±1 exactly and no infinity.
// @ts-ignore: decorator
@inline function gelu4(v: v128): v128 {
  const u = f32x4.mul(f32x4.splat(0.7978845608028654), f32x4.add(v, f32x4.mul(f32x4.splat(0.044715), f32x4.mul(v, f32x4.mul(v, v)))));
  const e = exp4(f32x4.add(u, u));
  const t = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), t));
}

/** x[i] = GELU(x[i]) for i < n, in place. */
export function gelu(p: usize, n: i32): void {
  const bytes = <usize>n << 2, vecBytes = <usize>(n & ~3) << 2;
  let d: usize = 0;
  for (; d < vecBytes; d += 16) v128.store(p + d, gelu4(v128.load(p + d)));
  for (; d < bytes; d += 4) v128.store32_lane(p + d, gelu4(v128.load32_zero(p + d)), 0);
}

/**
 * Layer norm over rows of D: y[r, i] = (x[r, i] − mean_r)·g[i]/√(var_r + eps) + b[i], with the biased
 * variance of the centred row (two passes, float32 lanes). `y` may be `x`.
 */
export function layerNormRows(x: usize, y: usize, R: i32, D: i32, g: usize, b: usize, eps: f32): void {
  const row = <usize>D << 2, vecBytes = <usize>(D & ~3) << 2;
  for (let r = 0; r < R; r++) {
    const xr = x + <usize>r * row, yr = y + <usize>r * row;
    let acc = f32x4.splat(0);
    let d: usize = 0;
    for (; d < vecBytes; d += 16) acc = f32x4.add(acc, v128.load(xr + d));
    let sum = hsum(acc);
    for (; d < row; d += 4) sum += load<f32>(xr + d);
    const mean = sum / <f32>D;
    const m = f32x4.splat(mean);
    acc = f32x4.splat(0);
    for (d = 0; d < vecBytes; d += 16) {
      const c = f32x4.sub(v128.load(xr + d), m);
      acc = madd(c, c, acc);
    }
    let sq = hsum(acc);
    for (; d < row; d += 4) {
      const c = load<f32>(xr + d) - mean;
      sq += c * c;
    }
    const inv: f32 = 1 / Mathf.sqrt(sq / <f32>D + eps);
    const k = f32x4.splat(inv);
    for (d = 0; d < vecBytes; d += 16)
      v128.store(yr + d, madd(f32x4.mul(f32x4.sub(v128.load(xr + d), m), k), v128.load(g + d), v128.load(b + d)));
    for (; d < row; d += 4) store<f32>(yr + d, (load<f32>(xr + d) - mean) * inv * load<f32>(g + d) + load<f32>(b + d));
  }
}

/** First byte free for callers' data (the module's own static data lies below it). */
export function base(): usize {
  return (__heap_base + 63) & ~63;
}

// ---- float16 storage: conversion between IEEE binary16 bits (u16) and float32, 8 elements at a time ----
//
// Widening is exact: the half's exponent and mantissa, shifted into float32 position (<< 13), read as a
// float32 whose exponent is 112 too small (bias 127 against 15); one multiply by 2^112 rebias normals and
// turns subnormals (exponent 0) into the normal float32 they denote, both exactly. Inf and NaN (exponent
// 31) take exponent 255 by a select instead, keeping the mantissa (so a NaN stays a NaN, quiet or not).
// Narrowing rounds to nearest, ties to even, as core's toHalfBits: normals by adding half an ulp (less one,
// plus the kept mantissa's lowest bit) before the shift, which carries into the exponent up to Infinity;
// subnormals by a float32 addition of 0.5, whose rounding to float32's ulp there (2^-24) is the half's
// subnormal step; overflow becomes Infinity, and NaN a quiet NaN with the top of its mantissa.

// @ts-ignore: decorator
@inline function widen4(x: v128): v128 {
  const sign = i32x4.shl(v128.and(x, i32x4.splat(0x8000)), 16);
  const em = v128.and(x, i32x4.splat(0x7fff));
  const shifted = i32x4.shl(em, 13);
  const finite = f32x4.mul(shifted, f32x4.splat(reinterpret<f32>(0x77800000))); // 2^112
  const special = v128.or(shifted, i32x4.splat(0x7f800000));
  const isSpecial = i32x4.ge_s(em, i32x4.splat(0x7c00));
  return v128.or(v128.bitselect(special, finite, isSpecial), sign);
}

// @ts-ignore: decorator
@inline function narrow4(x: v128): v128 {
  const sign = v128.and(i32x4.shr_u(x, 16), i32x4.splat(0x8000));
  const a = v128.and(x, i32x4.splat(0x7fffffff));
  // Normal halves (float32 exponent 113 and up): rebias, round to nearest even at bit 13, shift.
  const lsb = v128.and(i32x4.shr_u(a, 13), i32x4.splat(1));
  const normal = i32x4.shr_u(i32x4.add(i32x4.sub(a, i32x4.splat(0x38000000)), i32x4.add(lsb, i32x4.splat(0xfff))), 13);
  // Subnormal halves and zero (below 2^-14): the float32 sum a + 0.5 holds the half's bits at its bottom.
  const magic = i32x4.splat(0x3f000000);
  const sub = i32x4.sub(f32x4.add(a, magic), magic);
  let h = v128.bitselect(normal, sub, i32x4.ge_s(a, i32x4.splat(0x38800000)));
  // Too large for a half (and Infinity): Infinity. NaN: a quiet NaN keeping the top of the mantissa.
  h = v128.bitselect(i32x4.splat(0x7c00), h, i32x4.ge_s(a, i32x4.splat(0x47800000)));
  const nan = v128.or(i32x4.splat(0x7e00), v128.and(i32x4.shr_u(a, 13), i32x4.splat(0x3ff)));
  h = v128.bitselect(nan, h, i32x4.gt_s(a, i32x4.splat(0x7f800000)));
  return v128.or(h, sign);
}

/** dst[i] = the float32 value of the half bits src[i] (u16), for i < n. Exact. */
export function widenHalves(src: usize, dst: usize, n: i32): void {
  const count = <usize>n;
  let i: usize = 0;
  for (; i + 8 <= count; i += 8) {
    const h = v128.load(src + (i << 1));
    v128.store(dst + (i << 2), widen4(i32x4.extend_low_i16x8_u(h)));
    v128.store(dst + (i << 2) + 16, widen4(i32x4.extend_high_i16x8_u(h)));
  }
  for (; i < count; i++) {
    const w = widen4(i32x4.splat(<i32>load<u16>(src + (i << 1))));
    store<f32>(dst + (i << 2), f32x4.extract_lane(w, 0));
  }
}

/** dst[i] = the half bits (u16) of the float32 src[i], rounded to nearest even, for i < n. */
export function narrowHalves(src: usize, dst: usize, n: i32): void {
  const count = <usize>n;
  let i: usize = 0;
  for (; i + 8 <= count; i += 8) {
    const lo = narrow4(v128.load(src + (i << 2))), hi = narrow4(v128.load(src + (i << 2) + 16));
    v128.store(dst + (i << 1), i16x8.narrow_i32x4_u(lo, hi));
  }
  for (; i < count; i++) {
    const h = narrow4(i32x4.splat(load<i32>(src + (i << 2))));
    store<u16>(dst + (i << 1), <u16>i32x4.extract_lane(h, 0));
  }
}
