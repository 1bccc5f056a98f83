/**
 * float16 calls on the SIMD kernels (float16 storage, float32 compute): results against the float64
 * reference on the calling thread and on the worker threads (prefill, and decode steps whose grouped heads
 * share a unit), float16 and float32 results, the caller's arrays untouched, and less working memory than
 * the float32 call of the same shape, both as the backend counts it and as it allocates.
 */
import {
  AttnkitError,
  prepareAttention,
  seededRandom,
  toFloat16,
  toFloat32,
  type AnyTensor,
  type AttentionOptions,
  type HalfTensor,
} from '@attnkit/core';
import { assertClose, FLOAT16_RESULT_TOLERANCE, FLOAT32_TOLERANCE, referenceAttention } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { createTsEngine } from './ts-backend.js';

function half(shape: number[], seed: number): HalfTensor {
  const rng = seededRandom(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return toFloat16({ shape, data });
}

async function expectReference(
  threads: number,
  [B, Hq, Hkv, Sq, T, Dk, Dv]: number[],
  options: AttentionOptions,
  pooled: boolean,
): Promise<void> {
  const { backend, engine } = createTsEngine({ threads });
  try {
    const q = half([B!, Hq!, Sq!, Dk!], 1),
      k = half([B!, Hkv!, T!, Dk!], 2),
      v = half([B!, Hkv!, T!, Dv!], 3);
    const copies = [q.data.slice(), k.data.slice(), v.data.slice()];
    const want = referenceAttention(prepareAttention(q, k, v, options)).output;
    const before = engine!.threadedCalls;
    for (const outputDtype of ['float16', 'float32'] as const) {
      const { output } = await backend.attention(q, k, v, { ...options, outputDtype });
      expect((output as { dtype?: string }).dtype ?? 'float32').toBe(outputDtype);
      expect(output.data).toBeInstanceOf(outputDtype === 'float16' ? Uint16Array : Float32Array);
      for (const x of [q, k, v]) expect(output.data.buffer).not.toBe(x.data.buffer);
      const tol = outputDtype === 'float16' ? FLOAT16_RESULT_TOLERANCE : FLOAT32_TOLERANCE;
      assertClose(toFloat32(output).data, want, tol, `output (${outputDtype})`);
    }
    expect(engine!.threadedCalls - before).toBe(pooled ? 2 : 0);
    // The caller's halves are read, never written.
    const changed = [q, k, v].map((x, i) => x.data.filter((h, j) => h !== copies[i]![j]).length);
    expect(changed).toEqual([0, 0, 0]);
  } finally {
    await backend.dispose();
  }
}

describe('float16 attention on the SIMD kernels', () => {
  it('matches the reference on the calling thread: masks, ALiBi, softcap, grouped heads, key lengths', async () => {
    const shape = [2, 4, 2, 37, 45, 12, 7];
    const rng = seededRandom(9);
    const mask = {
      kind: 'bias' as const,
      shape: [2, 1, 37, 45],
      data: Float32Array.from({ length: 2 * 37 * 45 }, () => rng.uniform(-2, 0)),
    };
    for (const options of [
      { causal: true },
      { window: { left: 5, right: 3 } },
      { mask, keyLengths: [45, 30] },
      { alibi: [0.5, 0.25, 0.125, 0.0625], softcap: 2 },
    ] as AttentionOptions[])
      await expectReference(1, shape, options, false);
  });

  it('matches the reference on the worker threads: a prefill, and a decode step with grouped heads', async () => {
    await expectReference(2, [1, 4, 2, 256, 256, 64, 64], { causal: true }, true);
    await expectReference(2, [1, 8, 2, 1, 6000, 128, 128], {}, true);
  }, 60_000);

  it('takes less working memory than the float32 call, as counted and as allocated', async () => {
    const [B, H, S, D] = [1, 8, 256, 64];
    const h = [half([B, H, S, D], 1), half([B, H, S, D], 2), half([B, H, S, D], 3)] as const;
    const f = [toFloat32(h[0]), toFloat32(h[1]), toFloat32(h[2])] as const;
    // Counted: core's output (512 KiB) and the backend's working memory; float32 copies in the WebAssembly
    // memory take 1.5 MiB, halves 768 KiB and one key/value head widened 256 KiB.
    const maxBytes = 1.75 * 2 ** 20;
    const counted = createTsEngine({ threads: 1 }).backend;
    await expect(counted.attention(h[0], h[1], h[2], { maxBytes })).resolves.toBeDefined();
    await expect(counted.attention(f[0], f[1], f[2], { maxBytes })).rejects.toSatisfy(
      (e: unknown) => e instanceof AttnkitError && e.code === 'ERR_TOO_LARGE',
    );
    await counted.dispose();
    // Allocated: what a fresh backend's memory holds after one call (inputs, output and scratch).
    const held = async (x: readonly [AnyTensor, AnyTensor, AnyTensor]): Promise<number> => {
      const { backend, engine } = createTsEngine({ threads: 1 });
      const before = engine!.arena.stats().bytes;
      await backend.attention(x[0], x[1], x[2]);
      const bytes = engine!.arena.stats().bytes - before;
      await backend.dispose();
      return bytes;
    };
    const f16 = await held(h),
      f32 = await held(f);
    expect(f32).toBeGreaterThanOrEqual(4 * 4 * B * H * S * D);
    expect(f16).toBeLessThan(0.7 * f32);
  });
});
