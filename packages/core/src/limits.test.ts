import { describe, expect, it } from 'vitest';
import { prepareAttention } from './attention-problem.js';
import { defineBackend } from './backend.js';
import { capabilities } from './capabilities.js';
import { SizeError } from './errors.js';
import { defaultMaxBytes } from './limits.js';
import { resolveSpec, type ModelSpec } from './model-spec.js';
import { tensor } from './tensor.js';
import { tinySpec } from './spec.test-support.js';

const GiB = 2 ** 30;
const caps = capabilities(['attentionMap:probs', 'models']);

function caught(f: () => unknown): SizeError {
  try {
    f();
  } catch (e) {
    return e as SizeError;
  }
  throw new Error('expected a refusal');
}

describe('memory limits', () => {
  it('the default is an eighth of the platform memory, between 256 MiB and 2 GiB', () => {
    const d = defaultMaxBytes();
    expect(d).toBeGreaterThanOrEqual(256 * 2 ** 20);
    expect(d).toBeLessThanOrEqual(2 * GiB);
  });

  it('refuses zero keys with a 2^30-wide value head (a 4 GiB output) before running the kernel', async () => {
    let ran = false;
    const b = defineBackend({
      name: 'k',
      capabilities: caps,
      attention: async () => {
        ran = true;
        throw new Error('ran');
      },
    });
    const q = tensor(new Float32Array(1), [1, 1, 1, 1]);
    const k = tensor(new Float32Array(0), [1, 1, 0, 1]);
    const v = { shape: [1, 1, 0, 2 ** 30], data: new Float32Array(0) };
    const err = (await b.attention(q, k, v).catch((e: unknown) => e)) as SizeError;
    expect(err).toBeInstanceOf(SizeError);
    expect(err).toMatchObject({ code: 'ERR_TOO_LARGE', argument: 'v', bytes: 4 * GiB });
    expect(err.message).toMatch(/would allocate 4\.00 GiB .*output \[1,1,1,1073741824\]/);
    expect(ran).toBe(false);
  });

  it('refuses probabilities at S = 40,000 (6.4 GB of attention map from 160 KB of inputs), naming options.attentionMap', () => {
    const x = tensor(new Float32Array(40_000), [1, 1, 40_000, 1]);
    const err = caught(() => prepareAttention(x, x, x, { attentionMap: 'probs' }));
    expect(err).toMatchObject({
      code: 'ERR_TOO_LARGE',
      argument: 'options.attentionMap',
      bytes: 40_000 * 40_000 * 4 + 40_000 * 4,
    });
    expect(prepareAttention(x, x, x).attentionMap).toBe('none');
  });

  it('counts the working memory a backend declares, and its hard cap wins over any setting', () => {
    const x = tensor(new Float32Array(4096), [1, 1, 4096, 1]);
    const memory = { scratchBytes: (d: { qLength: number; keyLength: number }) => d.qLength * d.keyLength * 4 };
    expect(caught(() => prepareAttention(x, x, x, {}, { memory, maxBytes: 32 * 2 ** 20 }))).toMatchObject({
      code: 'ERR_TOO_LARGE',
      argument: 'k',
    });
    expect(prepareAttention(x, x, x, {}, { memory, maxBytes: 128 * 2 ** 20 }).keyLength).toBe(4096);
    expect(
      caught(() => prepareAttention(x, x, x, { maxBytes: Infinity }, { memory: { ...memory, maxBytes: 2 ** 20 } })),
    ).toMatchObject({ limit: 2 ** 20 });
  });

  it('a per-call maxBytes overrides the backend setting, both ways', async () => {
    const b = defineBackend(
      {
        name: 'k',
        capabilities: caps,
        attention: async (p) => ({ output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) }),
      },
      { maxBytes: 16 },
    );
    const x = tensor(new Float32Array(8), [1, 1, 2, 4]);
    await expect(b.attention(x, x, x)).rejects.toMatchObject({ code: 'ERR_TOO_LARGE', limit: 16 });
    await expect(b.attention(x, x, x, { maxBytes: 1024 })).resolves.toBeDefined();
    await expect(b.attention(x, x, x, { maxBytes: -1 })).rejects.toMatchObject({
      code: 'ERR_OPTION',
      argument: 'options.maxBytes',
    });
    expect(() =>
      defineBackend(
        { name: 'k', capabilities: caps, attention: async () => ({ output: new Float32Array(0) }) },
        { maxBytes: 'big' as unknown as number },
      ),
    ).toThrow(/options\.maxBytes: expected a positive number/);
  });

  it('refuses a spec with 10 million layers from its sizes alone, naming spec.layers', () => {
    const spec: ModelSpec = {
      type: 'transformer-encoder',
      inputSize: 40,
      dModel: 64,
      heads: 4,
      layers: 1e7,
      ffnSize: 128,
      output: { kind: 'per-position', classes: 8 },
    };
    const err = caught(() => resolveSpec(spec));
    expect(err).toMatchObject({ code: 'ERR_TOO_LARGE', argument: 'spec.layers' });
    expect(resolveSpec({ ...spec, layers: 2 }).layers).toBe(2);
  });

  it('refuses a model run whose attention maps would exceed the limit, naming options.attentionOf', async () => {
    const spec = tinySpec();
    let ran = false;
    const b = defineBackend(
      {
        name: 'k',
        capabilities: caps,
        attention: async () => ({ output: new Float32Array(0) }),
        compile: async () => ({
          run: async () => {
            ran = true;
            return { logits: new Float32Array(0) };
          },
        }),
      },
      { maxBytes: 2 ** 20 },
    );
    const { initWeights } = await import('./weights.js');
    const m = await b.compile(spec, initWeights(spec));
    const x = tensor(new Float32Array(2 * 1024), [1, 1024, 2]);
    await expect(m.run(x, { attentionOf: [0] })).rejects.toMatchObject({
      code: 'ERR_TOO_LARGE',
      argument: 'options.attentionOf',
    });
    expect(ran).toBe(false);
  });
});
