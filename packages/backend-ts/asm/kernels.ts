// WebAssembly SIMD kernels of @attnkit/backend-ts (AssemblyScript source; `pnpm build` compiles it to
// src/generated/kernels-wasm.ts). Pointers are byte offsets into the module's memory.
//
// Shape legend: R query rows of a tile, C keys of a tile, Dp head size padded to a multiple of 4 (padding
// is zero), ldS row stride of the score tile. All matrices are row-major float32.

/** S[r·ldS + c] = Σ_d Q[r·Dp + d] · K[c·Dp + d] for r < R, c < C. */
export function qk(q: usize, k: usize, s: usize, R: i32, C: i32, Dp: i32, ldS: i32): void {
  const rowBytes = <usize>Dp << 2;
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const q0 = q + <usize>r * rowBytes;
    const q1 = q0 + rowBytes, q2 = q1 + rowBytes, q3 = q2 + rowBytes;
    let c = 0;
    for (; c + 2 <= C; c += 2) {
      const k0 = k + <usize>c * rowBytes;
      const k1 = k0 + rowBytes;
      let a00 = f32x4.splat(0), a01 = f32x4.splat(0), a10 = f32x4.splat(0), a11 = f32x4.splat(0);
      let a20 = f32x4.splat(0), a21 = f32x4.splat(0), a30 = f32x4.splat(0), a31 = f32x4.splat(0);
      for (let d: usize = 0; d < rowBytes; d += 16) {
        const kv0 = v128.load(k0 + d), kv1 = v128.load(k1 + d);
        const x0 = v128.load(q0 + d), x1 = v128.load(q1 + d), x2 = v128.load(q2 + d), x3 = v128.load(q3 + d);
        a00 = madd(x0, kv0, a00); a01 = madd(x0, kv1, a01);
        a10 = madd(x1, kv0, a10); a11 = madd(x1, kv1, a11);
        a20 = madd(x2, kv0, a20); a21 = madd(x2, kv1, a21);
        a30 = madd(x3, kv0, a30); a31 = madd(x3, kv1, a31);
      }
      const sr = s + ((<usize>r * <usize>ldS + <usize>c) << 2);
      const ld = <usize>ldS << 2;
      store<f32>(sr, hsum(a00)); store<f32>(sr + 4, hsum(a01));
      store<f32>(sr + ld, hsum(a10)); store<f32>(sr + ld + 4, hsum(a11));
      store<f32>(sr + 2 * ld, hsum(a20)); store<f32>(sr + 2 * ld + 4, hsum(a21));
      store<f32>(sr + 3 * ld, hsum(a30)); store<f32>(sr + 3 * ld + 4, hsum(a31));
    }
    for (; c < C; c++) {
      for (let i = 0; i < 4; i++) dot1(q + <usize>(r + i) * rowBytes, k + <usize>c * rowBytes, rowBytes, s + ((<usize>(r + i) * <usize>ldS + <usize>c) << 2));
    }
  }
  // Rows left over (all of them for a decode step): 4 keys at a time, 4 independent accumulators.
  for (; r < R; r++) {
    const qr = q + <usize>r * rowBytes;
    const sr = s + ((<usize>r * <usize>ldS) << 2);
    let c = 0;
    for (; c + 4 <= C; c += 4) {
      const k0 = k + <usize>c * rowBytes;
      const k1 = k0 + rowBytes, k2 = k1 + rowBytes, k3 = k2 + rowBytes;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      for (let d: usize = 0; d < rowBytes; d += 16) {
        const x = v128.load(qr + d);
        a0 = madd(x, v128.load(k0 + d), a0); a1 = madd(x, v128.load(k1 + d), a1);
        a2 = madd(x, v128.load(k2 + d), a2); a3 = madd(x, v128.load(k3 + d), a3);
      }
      const o = sr + (<usize>c << 2);
      store<f32>(o, hsum(a0)); store<f32>(o + 4, hsum(a1)); store<f32>(o + 8, hsum(a2)); store<f32>(o + 12, hsum(a3));
    }
    for (; c < C; c++) dot1(qr, k + <usize>c * rowBytes, rowBytes, sr + (<usize>c << 2));
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

// @ts-ignore: decorator
@inline function dot1(a: usize, b: usize, bytes: usize, out: usize): void {
  let acc = f32x4.splat(0);
  for (let d: usize = 0; d < bytes; d += 16) acc = madd(v128.load(a + d), v128.load(b + d), acc);
  store<f32>(out, hsum(acc));
}

/** A[r·Dp + d] += Σ_c P[r·ldS + c] · V[c·Dp + d] for r < R, c < C (P is zero where masked). */
export function pv(p: usize, v: usize, a: usize, R: i32, C: i32, Dp: i32, ldS: i32): void {
  const rowBytes = <usize>Dp << 2;
  const ldP = <usize>ldS << 2;
  let r = 0;
  for (; r + 4 <= R; r += 4) {
    const p0 = p + <usize>r * ldP;
    const a0 = a + <usize>r * rowBytes;
    let d: usize = 0;
    for (; d + 32 <= rowBytes; d += 32) {
      let c00 = v128.load(a0 + d), c01 = v128.load(a0 + d + 16);
      let c10 = v128.load(a0 + rowBytes + d), c11 = v128.load(a0 + rowBytes + d + 16);
      let c20 = v128.load(a0 + 2 * rowBytes + d), c21 = v128.load(a0 + 2 * rowBytes + d + 16);
      let c30 = v128.load(a0 + 3 * rowBytes + d), c31 = v128.load(a0 + 3 * rowBytes + d + 16);
      for (let c = 0; c < C; c++) {
        const vr = v + <usize>c * rowBytes + d;
        const v0 = v128.load(vr), v1 = v128.load(vr + 16);
        const pc = p0 + (<usize>c << 2);
        const w0 = f32x4.splat(load<f32>(pc)), w1 = f32x4.splat(load<f32>(pc + ldP));
        const w2 = f32x4.splat(load<f32>(pc + 2 * ldP)), w3 = f32x4.splat(load<f32>(pc + 3 * ldP));
        c00 = madd(w0, v0, c00); c01 = madd(w0, v1, c01);
        c10 = madd(w1, v0, c10); c11 = madd(w1, v1, c11);
        c20 = madd(w2, v0, c20); c21 = madd(w2, v1, c21);
        c30 = madd(w3, v0, c30); c31 = madd(w3, v1, c31);
      }
      v128.store(a0 + d, c00); v128.store(a0 + d + 16, c01);
      v128.store(a0 + rowBytes + d, c10); v128.store(a0 + rowBytes + d + 16, c11);
      v128.store(a0 + 2 * rowBytes + d, c20); v128.store(a0 + 2 * rowBytes + d + 16, c21);
      v128.store(a0 + 3 * rowBytes + d, c30); v128.store(a0 + 3 * rowBytes + d + 16, c31);
    }
    for (; d < rowBytes; d += 16) {
      for (let i = 0; i < 4; i++) axpyRow(p0 + <usize>i * ldP, v + d, a0 + <usize>i * rowBytes + d, C, rowBytes);
    }
  }
  // Rows left over (all of them for a decode step): 16 value columns at a time, 4 independent accumulators.
  for (; r < R; r++) {
    const pr = p + <usize>r * ldP;
    const ar = a + <usize>r * rowBytes;
    let d: usize = 0;
    for (; d + 64 <= rowBytes; d += 64) {
      let c0 = v128.load(ar + d), c1 = v128.load(ar + d + 16), c2 = v128.load(ar + d + 32), c3 = v128.load(ar + d + 48);
      for (let c = 0; c < C; c++) {
        const vr = v + <usize>c * rowBytes + d;
        const w = f32x4.splat(load<f32>(pr + (<usize>c << 2)));
        c0 = madd(w, v128.load(vr), c0); c1 = madd(w, v128.load(vr + 16), c1);
        c2 = madd(w, v128.load(vr + 32), c2); c3 = madd(w, v128.load(vr + 48), c3);
      }
      v128.store(ar + d, c0); v128.store(ar + d + 16, c1); v128.store(ar + d + 32, c2); v128.store(ar + d + 48, c3);
    }
    for (; d < rowBytes; d += 16) axpyRow(pr, v + d, ar + d, C, rowBytes);
  }
}

// @ts-ignore: decorator
@inline function axpyRow(p: usize, v: usize, a: usize, C: i32, rowBytes: usize): void {
  let acc = v128.load(a);
  for (let c = 0; c < C; c++) acc = madd(f32x4.splat(load<f32>(p + (<usize>c << 2))), v128.load(v + <usize>c * rowBytes), acc);
  v128.store(a, acc);
}

/** Grows memory to hold at least `bytes`; returns false when it cannot. */
export function ensure(bytes: usize): bool {
  const have = <usize>memory.size() << 16;
  if (bytes <= have) return true;
  const pages = <i32>((bytes - have + 0xffff) >> 16);
  return memory.grow(pages) >= 0;
}

// ---- Online-softmax step, for tiles whose visibility is a band per row (no per-element mask terms) ----

// @ts-ignore: decorator
@inline function exp4(x: v128): v128 {
  // exp(x) = 2^n · e^r with n = round(x·log2 e), r = x − n·ln 2 (ln 2 split in two), e^r by a degree-6
  // polynomial (Cephes expf coefficients); relative error below 2e-7 on the clamped range.
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.44269504088896341)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693359375)));
  r = f32x4.add(r, f32x4.mul(n, f32x4.splat(2.12194440e-4)));
  let y = f32x4.splat(1.9875691500e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(y, r), r), r), f32x4.splat(1.0));
  const pow2n = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(n), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2n);
}

/**
 * One online-softmax step over a score tile. Row r sees tile columns [lo[r] − j0, hi[r] − j0) ∩ [0, C);
 * the rest is masked. Updates the running maximum m[r] and sum l[r], rescales the accumulator row
 * A[r·Dvp ..] when the maximum grows, and overwrites the scores with exp(s − m) (0 where masked).
 * Returns 1 if any row saw a key of this tile.
 */
export function softmaxStep(s: usize, R: i32, C: i32, ldS: i32, j0: i32, lo: usize, hi: usize, m: usize, l: usize, a: usize, Dvp: i32): i32 {
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
    let tileMax: f32 = -Infinity;
    for (let c = c0; c < c1; c++) tileMax = max(tileMax, load<f32>(row + (<usize>c << 2)));
    const mp = m + (<usize>r << 2);
    const mOld = load<f32>(mp);
    const mNew = max(mOld, tileMax);
    if (mNew > mOld && mOld != -Infinity) {
      const corr = f32x4.splat(<f32>Math.exp(<f64>(mOld - mNew)));
      const lp = l + (<usize>r << 2);
      store<f32>(lp, load<f32>(lp) * f32x4.extract_lane(corr, 0));
      const ar = a + ((<usize>r * <usize>Dvp) << 2);
      for (let d = 0; d < Dvp; d += 4) v128.store(ar + (<usize>d << 2), f32x4.mul(v128.load(ar + (<usize>d << 2)), corr));
    }
    store<f32>(mp, mNew);
    const mv = f32x4.splat(mNew);
    const lo4 = i32x4.splat(c0), hi4 = i32x4.splat(c1);
    let sum = f32x4.splat(0);
    for (let c = 0; c < C; c += 4) {
      const idx = i32x4.add(i32x4.splat(c), i32x4(0, 1, 2, 3));
      const inside = v128.and(i32x4.ge_s(idx, lo4), i32x4.lt_s(idx, hi4));
      const p = v128.and(exp4(f32x4.sub(v128.load(row + (<usize>c << 2)), mv)), inside);
      v128.store(row + (<usize>c << 2), p);
      sum = f32x4.add(sum, p);
    }
    const lp = l + (<usize>r << 2);
    store<f32>(lp, load<f32>(lp) + f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3));
  }
  return any;
}

/** First byte free for callers' data (the module's own static data, e.g. exp tables, lies below it). */
export function base(): usize {
  return (__heap_base + 63) & ~63;
}
