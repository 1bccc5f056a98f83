import { describe, expect, it } from 'vitest';
import { defineBackend } from './backend.js';
import { capabilities } from './capabilities.js';
import { AttnkitError } from './errors.js';
import { tensor } from './tensor.js';

const q = tensor(new Float32Array(8), [1, 1, 2, 4]);

describe('defineBackend', () => {
  const make = (attention = async () => ({ output: new Float32Array(8) })) =>
    defineBackend({ name: 'k', capabilities: capabilities(['causal']), attention });

  it('refuses features the backend does not declare, before running it', async () => {
    let ran = false;
    const b = make(async () => { ran = true; return { output: new Float32Array(8) }; });
    await expect(b.attention(q, q, q, { window: { left: 1, right: 1 } })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    expect(ran).toBe(false);
    await expect(b.attention(q, q, q, { causal: true })).resolves.toBeDefined();
  });

  it('wraps kernel failures in ERR_BACKEND and keeps the cause', async () => {
    const cause = new Error('device lost');
    const b = make(async () => { throw cause; });
    const err = (await b.attention(q, q, q).catch((e: unknown) => e)) as AttnkitError;
    expect(err.code).toBe('ERR_BACKEND');
    expect(err.message).toContain('device lost');
    expect(err.cause).toBe(cause);
  });

  it('returns present as past followed by this call’s keys', async () => {
    const b = defineBackend({ name: 'k', capabilities: capabilities(['past']), attention: async (p) => ({ output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) }) });
    const past = tensor([1, 2, 3, 4], [1, 1, 1, 4]);
    const k = tensor([5, 6, 7, 8], [1, 1, 1, 4]);
    const r = await b.attention(tensor([0, 0, 0, 0], [1, 1, 1, 4]), k, k, { past: { key: past, value: past } });
    expect(Array.from(r.present!.key.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.present!.key.shape).toEqual([1, 1, 2, 4]);
  });

  describe('kernels that sum their inputs (sumsInputs)', () => {
    const withNaN = (at: number): Float32Array => Float32Array.from({ length: 8 }, (_, i) => (i === at ? Number.NaN : i / 8));
    const finite = tensor(Float32Array.from({ length: 8 }, (_, i) => i / 8), [1, 1, 2, 4]);
    /** A kernel that reports the float64 sum of what it was given, as ONNX Runtime's graph does in float32. */
    const summing = (extra: Partial<Parameters<typeof defineBackend>[0]> = {}) => {
      const seen: number[] = [];
      const b = defineBackend({
        name: 's', capabilities: capabilities(['past']), sumsInputs: true,
        attention: async (p) => {
          let sum = 0;
          for (const a of [p.q, p.k, p.v]) for (const x of a) sum += x;
          seen.push(sum);
          return { output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim), inputSum: sum };
        },
        ...extra,
      });
      return { b, seen };
    };

    it('throws the same ERR_NON_FINITE, naming the tensor and element, after the kernel ran', async () => {
      const { b, seen } = summing();
      const err = (await b.attention(finite, tensor(withNaN(5), [1, 1, 2, 4]), finite).catch((e: unknown) => e)) as AttnkitError;
      expect(err.code).toBe('ERR_NON_FINITE');
      expect(err.message).toBe('k: element 5 is NaN; expected finite numbers');
      expect(seen).toHaveLength(1);
      expect(Number.isNaN(seen[0])).toBe(true);
    });

    it('finds a non-finite past too (the kernel sums keys with the past in front)', async () => {
      const { b } = summing();
      const past = tensor([1, 2, Number.NEGATIVE_INFINITY, 4], [1, 1, 1, 4]);
      await expect(b.attention(finite, finite, finite, { past: { key: tensor([0, 0, 0, 0], [1, 1, 1, 4]), value: past } }))
        .rejects.toThrow('options.past.value: element 2 is -Infinity');
    });

    it('returns the result when a non-finite sum came from finite inputs (float32 overflow)', async () => {
      const big = tensor(new Float32Array(8).fill(3e38), [1, 1, 2, 4]);
      const b = defineBackend({
        name: 'o', capabilities: capabilities([]), sumsInputs: true,
        attention: async () => ({ output: new Float32Array(8), inputSum: Number.POSITIVE_INFINITY }),
      });
      await expect(b.attention(big, big, big)).resolves.toMatchObject({ output: { shape: [1, 1, 2, 4] } });
    });

    it('scans when the kernel reports no sum', async () => {
      const b = defineBackend({ name: 'm', capabilities: capabilities([]), sumsInputs: true, attention: async () => ({ output: new Float32Array(8) }) });
      await expect(b.attention(tensor(withNaN(3), [1, 1, 2, 4]), finite, finite)).rejects.toThrow('q: element 3 is NaN');
      await expect(b.attention(finite, finite, finite)).resolves.toBeDefined();
    });

    it('reports the non-finite input, not the kernel failure or a refusal it caused', async () => {
      const failing = defineBackend({ name: 'f', capabilities: capabilities([]), sumsInputs: true, attention: async () => { throw new Error('bad value'); } });
      await expect(failing.attention(finite, finite, tensor(withNaN(0), [1, 1, 2, 4]))).rejects.toMatchObject({ code: 'ERR_NON_FINITE' });
      await expect(failing.attention(finite, finite, finite)).rejects.toMatchObject({ code: 'ERR_BACKEND' });
      const { b } = summing({ capabilities: capabilities([]) });
      await expect(b.attention(tensor(withNaN(1), [1, 1, 2, 4]), finite, finite, { causal: true })).rejects.toMatchObject({ code: 'ERR_NON_FINITE' });
    });
  });

  it('refuses work after dispose', async () => {
    const b = make();
    await b.dispose();
    await expect(b.attention(q, q, q)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(b.dispose()).resolves.toBeUndefined();
  });
});
