import { describe, expect, it } from 'vitest';
import { defineBackend } from './backend.js';
import { capabilities } from './capabilities.js';
import { AttnkitError } from './errors.js';
import { tensor } from './tensor.js';
import { tinySpec } from './spec.test-support.js';

const q = tensor(new Float32Array(8), [1, 1, 2, 4]);

describe('defineBackend', () => {
  const make = (attention = async () => ({ output: new Float32Array(8) })) =>
    defineBackend({ name: 'k', capabilities: capabilities(['causal']), attention });

  it('refuses features the backend does not declare, before running it', async () => {
    let ran = false;
    const b = make(async () => {
      ran = true;
      return { output: new Float32Array(8) };
    });
    await expect(b.attention(q, q, q, { window: { left: 1, right: 1 } })).rejects.toMatchObject({
      code: 'ERR_UNSUPPORTED',
    });
    expect(ran).toBe(false);
    await expect(b.attention(q, q, q, { causal: true })).resolves.toBeDefined();
  });

  it('wraps kernel failures in ERR_BACKEND and keeps the cause', async () => {
    const cause = new Error('device lost');
    const b = make(async () => {
      throw cause;
    });
    const err = (await b.attention(q, q, q).catch((e: unknown) => e)) as AttnkitError;
    expect(err.code).toBe('ERR_BACKEND');
    expect(err.message).toContain('device lost');
    expect(err.cause).toBe(cause);
  });

  it("keeps a native error's pages of log text out of the message (the error itself is the cause)", async () => {
    const log = Array.from(
      { length: 400 },
      (_, i) => `2026-12-01 [E:onnxruntime:, sequential_executor.cc:516] line ${i}`,
    ).join('\n');
    const cause = new Error(
      `\n[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running Attention node.\n${log}`,
    );
    const b = make(async () => {
      throw cause;
    });
    const err = (await b.attention(q, q, q).catch((e: unknown) => e)) as AttnkitError;
    expect(err.code).toBe('ERR_BACKEND');
    expect(err.message).toBe(
      'backend "k": [ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Non-zero status code returned while running Attention node.',
    );
    expect(err.cause).toBe(cause);
  });

  it('returns present as past followed by this call’s keys', async () => {
    const b = defineBackend({
      name: 'k',
      capabilities: capabilities(['past']),
      attention: async (p) => ({ output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) }),
    });
    const past = tensor([1, 2, 3, 4], [1, 1, 1, 4]);
    const k = tensor([5, 6, 7, 8], [1, 1, 1, 4]);
    const r = await b.attention(tensor([0, 0, 0, 0], [1, 1, 1, 4]), k, k, { past: { key: past, value: past } });
    expect(Array.from(r.present!.key.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.present!.key.shape).toEqual([1, 1, 2, 4]);
  });

  describe('kernels that sum the squares of their inputs (sumsInputSquares)', () => {
    const withNaN = (at: number): Float32Array =>
      Float32Array.from({ length: 8 }, (_, i) => (i === at ? Number.NaN : i / 8));
    const finite = tensor(
      Float32Array.from({ length: 8 }, (_, i) => i / 8),
      [1, 1, 2, 4],
    );
    const squares = (a: Float32Array): number => a.reduce((s, x) => s + x * x, 0);
    /** A kernel that reports the sums of squares of what it was given, as ONNX Runtime's graph does in float32. */
    const summing = (extra: Partial<Parameters<typeof defineBackend>[0]> = {}) => {
      const seen: number[] = [];
      const b = defineBackend({
        name: 's',
        capabilities: capabilities(['past']),
        sumsInputSquares: true,
        attention: async (p) => {
          const sq = { q: Math.fround(squares(p.q)), k: Math.fround(squares(p.k)), v: Math.fround(squares(p.v)) };
          seen.push(sq.q + sq.k + sq.v);
          return { output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim), inputSquares: sq };
        },
        ...extra,
      });
      return { b, seen };
    };

    it('throws the same ERR_NON_FINITE, naming the tensor and element, after the kernel ran', async () => {
      const { b, seen } = summing();
      const err = (await b
        .attention(finite, tensor(withNaN(5), [1, 1, 2, 4]), finite)
        .catch((e: unknown) => e)) as AttnkitError;
      expect(err.code).toBe('ERR_NON_FINITE');
      expect(err.message).toBe('k: element 5 is NaN; expected finite numbers');
      expect(seen).toHaveLength(1);
      expect(Number.isNaN(seen[0])).toBe(true);
    });

    it('finds a non-finite past too (the kernel sums keys with the past in front)', async () => {
      const { b } = summing();
      const past = tensor([1, 2, Number.NEGATIVE_INFINITY, 4], [1, 1, 1, 4]);
      await expect(
        b.attention(finite, finite, finite, { past: { key: tensor([0, 0, 0, 0], [1, 1, 1, 4]), value: past } }),
      ).rejects.toThrow('options.past.value: element 2 is -Infinity');
    });

    it('returns the result when a sum overflowed float32 on finite inputs within the range rule', async () => {
      // Values of 2e19: their float32 sum of squares is Infinity, but T·max|v| = 4e19 is far below 2^100.
      const big = tensor(new Float32Array(8).fill(2e19), [1, 1, 2, 4]);
      const { b, seen } = summing();
      await expect(b.attention(finite, finite, big)).resolves.toMatchObject({ output: { shape: [1, 1, 2, 4] } });
      expect(seen[0]).toBe(Number.POSITIVE_INFINITY);
    });

    it('applies the range rule after the kernel ran, with the same ERR_RANGE as the scan', async () => {
      const huge = tensor(new Float32Array(8).fill(1e20), [1, 1, 2, 4]);
      const { b } = summing();
      await expect(b.attention(huge, huge, finite)).rejects.toMatchObject({ code: 'ERR_RANGE', argument: 'q' });
    });

    it('scans when the kernel reports no sums', async () => {
      const b = defineBackend({
        name: 'm',
        capabilities: capabilities([]),
        sumsInputSquares: true,
        attention: async () => ({ output: new Float32Array(8) }),
      });
      await expect(b.attention(tensor(withNaN(3), [1, 1, 2, 4]), finite, finite)).rejects.toThrow(
        'q: element 3 is NaN',
      );
      await expect(b.attention(finite, finite, finite)).resolves.toBeDefined();
    });

    it('reports the non-finite input, not the kernel failure or a refusal it caused', async () => {
      const failing = defineBackend({
        name: 'f',
        capabilities: capabilities([]),
        sumsInputSquares: true,
        attention: async () => {
          throw new Error('bad value');
        },
      });
      await expect(failing.attention(finite, finite, tensor(withNaN(0), [1, 1, 2, 4]))).rejects.toMatchObject({
        code: 'ERR_NON_FINITE',
      });
      await expect(failing.attention(finite, finite, finite)).rejects.toMatchObject({ code: 'ERR_BACKEND' });
      const { b } = summing({ capabilities: capabilities([]) });
      await expect(
        b.attention(tensor(withNaN(1), [1, 1, 2, 4]), finite, finite, { causal: true }),
      ).rejects.toMatchObject({ code: 'ERR_NON_FINITE' });
    });
  });

  it('still takes the former option name `weights` and returns the map under both names', async () => {
    const b = defineBackend({
      name: 'k',
      capabilities: capabilities(['attentionMap:probs']),
      attention: async (p) => ({
        output: new Float32Array(8),
        attentionMap: new Float32Array(p.qLength * p.keyLength).fill(0.5),
      }),
    });
    // oxlint-disable-next-line typescript/no-deprecated -- the former names, tested on purpose
    const r = await b.attention(q, q, q, { weights: 'probs' });
    expect(r.attentionMap!.shape).toEqual([1, 1, 2, 2]);
    // oxlint-disable-next-line typescript/no-deprecated -- the former names, tested on purpose
    expect(r.weights).toBe(r.attentionMap);
  });

  describe('ownership', () => {
    it("never hands back a caller array: an output that shares the caller's memory is copied", async () => {
      // A kernel that (wrongly) returns its input: core must not pass the caller's own array back.
      const b = defineBackend({
        name: 'echo',
        capabilities: capabilities([]),
        attention: async (p) => ({ output: p.v }),
      });
      const v = tensor(
        Float32Array.from({ length: 8 }, (_, i) => i),
        [1, 1, 2, 4],
      );
      const r = await b.attention(q, q, v);
      expect(r.output.data).not.toBe(v.data);
      expect(r.output.data.buffer).not.toBe(v.data.buffer);
      expect(Array.from(r.output.data)).toEqual(Array.from(v.data));
    });

    it('present is a copy of k and v when there is no past', async () => {
      const b = make();
      const r = await b.attention(q, q, q, { returnPresent: true });
      expect(r.present!.key.data.buffer).not.toBe(q.data.buffer);
      expect(r.present!.value.data.buffer).not.toBe(q.data.buffer);
    });
  });

  describe('dispose during a call', () => {
    it('rejects the call in flight with ERR_DISPOSED at once, even if the kernel never settles', async () => {
      let started!: () => void;
      const running = new Promise<void>((r) => {
        started = r;
      });
      const b = defineBackend({
        name: 'stuck',
        capabilities: capabilities([]),
        attention: () => {
          started();
          return new Promise(() => undefined);
        },
      });
      const call = b.attention(q, q, q);
      await running;
      await b.dispose();
      await expect(call).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    });

    it("ignores the abandoned kernel's later failure (no unhandled rejection)", async () => {
      let fail!: (e: Error) => void;
      const b = defineBackend({
        name: 'late',
        capabilities: capabilities([]),
        attention: () =>
          new Promise((_, reject) => {
            fail = reject;
          }),
      });
      const call = b.attention(q, q, q);
      await Promise.resolve();
      await b.dispose();
      fail(new Error('worker terminated'));
      await expect(call).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    });
  });

  it('frees a model whose compile was abandoned by dispose() once the kernel finishes it', async () => {
    let finish!: () => void;
    let freed = false;
    const b = defineBackend({
      name: 'slow',
      capabilities: capabilities(['models']),
      attention: async () => ({ output: new Float32Array(0) }),
      compile: () =>
        new Promise((resolve) => {
          finish = () =>
            resolve({
              run: async () => ({ logits: new Float32Array(0) }),
              dispose: () => {
                freed = true;
              },
            });
        }),
    });
    const spec = tinySpec();
    const { initWeights } = await import('./weights.js');
    const compiling = b.compile(spec, initWeights(spec)).then(
      () => undefined,
      (e: unknown) => e,
    );
    await new Promise((r) => setTimeout(r, 0));
    await b.dispose();
    expect(await compiling).toMatchObject({ code: 'ERR_DISPOSED' });
    finish();
    await Promise.resolve();
    await Promise.resolve();
    expect(freed).toBe(true);
  });

  describe('zero keys', () => {
    it('gives zeros without running the kernel (every query row has nothing to attend to)', async () => {
      let ran = false;
      const b = defineBackend({
        name: 'k',
        capabilities: capabilities(['attentionMap:probs']),
        attention: async () => {
          ran = true;
          return { output: new Float32Array(8) };
        },
      });
      const none = tensor(new Float32Array(0), [1, 1, 0, 4]);
      const r = await b.attention(
        tensor(
          Float32Array.from({ length: 8 }, () => 1),
          [1, 1, 2, 4],
        ),
        none,
        none,
        { attentionMap: 'probs' },
      );
      expect(ran).toBe(false);
      expect(r.output.shape).toEqual([1, 1, 2, 4]);
      expect(Array.from(r.output.data)).toEqual(Array.from({ length: 8 }, () => 0));
      expect(r.attentionMap!.shape).toEqual([1, 1, 2, 0]);
    });
  });

  it('refuses work after dispose', async () => {
    const b = make();
    await b.dispose();
    await expect(b.attention(q, q, q)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(b.dispose()).resolves.toBeUndefined();
  });
});
