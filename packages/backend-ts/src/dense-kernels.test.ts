/**
 * The encoder's SIMD bias, GELU and layer norm (linear-wasm.ts) against their definitions in float64.
 */
import { seededRandom } from '@attnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { geluWasm, layerNormWasm, linearWasm } from './linear-wasm.js';
import { createTsEngine } from './ts-backend.js';

const { engine, backend } = createTsEngine({ threads: 1 });
afterAll(() => backend.dispose());

function random(n: number, seed: number, scale = 1): Float32Array {
  const rng = seededRandom(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.uniform(-scale, scale);
  return x;
}

/** GELU, tanh form, in float64. */
const gelu64 = (v: number): number => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));

describe('SIMD dense-layer kernels', () => {
  it('GELU matches its float64 definition, over every length remainder and far into both tails', async () => {
    const op = geluWasm(engine!, await engine!.kernels());
    for (const n of [1, 2, 3, 4, 5, 7, 1000, 70_001]) {
      const x = random(n, n, 12);
      // A few exact points: 0, both signs, and values whose tanh saturates.
      x[0] = 0;
      if (n > 3) x.set([-0.5, 0.5, n > 1000 ? 90 : -90], 1);
      const expected = Array.from(x, gelu64);
      op(x);
      for (let i = 0; i < n; i++) {
        const err = Math.abs(x[i]! - expected[i]!);
        expect(err, `n ${n}, element ${i}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(expected[i]!)));
      }
      expect(x[0]).toBe(0);
    }
  });

  it('layer norm matches the float64 mean and biased variance, for widths with and without a remainder of 4', async () => {
    const op = layerNormWasm(engine!, await engine!.kernels());
    for (const [R, D] of [
      [3, 64],
      [5, 7],
      [2000, 40],
      [1, 1],
    ] as const) {
      const x = random(R * D, R + D, 3);
      // Rows with a large offset: the centred second pass keeps their variance.
      for (let i = 0; i < D; i++) x[i] = x[i]! + 1000;
      const g = random(D, 7),
        b = random(D, 8);
      const y = op(x, R, D, g, b, 1e-5);
      for (let r = 0; r < R; r++) {
        let mean = 0;
        for (let i = 0; i < D; i++) mean += x[r * D + i]!;
        mean /= D;
        let v = 0;
        for (let i = 0; i < D; i++) v += (x[r * D + i]! - mean) ** 2;
        const inv = 1 / Math.sqrt(v / D + 1e-5);
        for (let i = 0; i < D; i++) {
          const want = (x[r * D + i]! - mean) * inv * g[i]! + b[i]!;
          expect(Math.abs(y[r * D + i]! - want), `R${R} D${D} row ${r} col ${i}`).toBeLessThan(2e-4);
        }
      }
      // In place gives the same result.
      const copy = x.slice();
      op(copy, R, D, g, b, 1e-5, copy);
      expect(copy).toEqual(y);
    }
  });

  it('a dense layer adds its bias, or accumulates into y, as the float64 product says', async () => {
    const op = linearWasm(engine!, await engine!.kernels());
    for (const [R, I, O] of [
      [600, 64, 128],
      [3, 5, 7],
    ] as const) {
      const x = random(R * I, 1),
        w = random(O * I, 2),
        b = random(O, 3);
      const start = random(R * O, 4);
      const y = op(x, R, I, w, b, O);
      const acc = op(x, R, I, w, b, O, start.slice(), true);
      for (let r = 0; r < R; r++)
        for (let o = 0; o < O; o++) {
          let s = b[o]!;
          for (let i = 0; i < I; i++) s += x[r * I + i]! * w[o * I + i]!;
          expect(Math.abs(y[r * O + o]! - s)).toBeLessThan(1e-4);
          expect(Math.abs(acc[r * O + o]! - (start[r * O + o]! + s))).toBeLessThan(1e-4);
        }
    }
  });
});
