import { describe, expect, it } from 'vitest';
import { prepareAttention } from './attention-problem.js';
import { defineBackend } from './backend.js';
import { capabilities } from './capabilities.js';
import { AttnkitError } from './errors.js';
import { tensor } from './tensor.js';
import { initWeights } from './weights.js';
import { tinySpec } from './spec.test-support.js';

const x = tensor(
  Float32Array.from({ length: 8 }, (_, i) => i / 8),
  [1, 1, 2, 4],
);

function codeOf(f: () => unknown): { code: string; argument: string | undefined } {
  try {
    f();
  } catch (e) {
    if (!(e instanceof AttnkitError)) throw new Error(`expected an AttnkitError, got ${String(e)}`);
    return { code: e.code, argument: e.argument };
  }
  throw new Error('expected a refusal');
}

describe('option values of the wrong type are typed errors', () => {
  it.each([
    ['heads', null],
    ['weights', null],
    ['keyLengths', null],
    ['keyPadding', null],
    ['mask', null],
    ['past', null],
    ['window', null],
    ['graph', null],
  ])('options.%s = null', (name, value) => {
    expect(codeOf(() => prepareAttention(x, x, x, { [name]: value } as never))).toEqual({
      code: 'ERR_TYPE',
      argument: `options.${name}`,
    });
  });

  it('heads of the wrong type on rank-4 input', () => {
    expect(codeOf(() => prepareAttention(x, x, x, { heads: 3 } as never))).toMatchObject({
      code: 'ERR_TYPE',
      argument: 'options.heads',
    });
  });

  it('returnPresent must be a boolean', () => {
    expect(codeOf(() => prepareAttention(x, x, x, { returnPresent: 'no' } as never))).toEqual({
      code: 'ERR_OPTION',
      argument: 'options.returnPresent',
    });
    expect(prepareAttention(x, x, x, { returnPresent: false }).returnPresent).toBe(false);
  });

  it('undefined values mean the default', () => {
    expect(prepareAttention(x, x, x, { attentionMap: undefined, scale: undefined }).attentionMap).toBe('none');
  });
});

describe('scale', () => {
  it.each([0, -0.5, -1])('scale %d is refused: it must be > 0', (scale) => {
    expect(codeOf(() => prepareAttention(x, x, x, { scale }))).toEqual({
      code: 'ERR_OPTION',
      argument: 'options.scale',
    });
  });
});

describe('the range rule: finite input never gives NaN', () => {
  it('q = k = 1e20 is refused, naming q', () => {
    const big = tensor(new Float32Array(8).fill(1e20), [1, 1, 2, 4]);
    expect(codeOf(() => prepareAttention(big, big, x))).toEqual({ code: 'ERR_RANGE', argument: 'q' });
  });
  it('large keys with small queries are refused naming k', () => {
    const big = tensor(new Float32Array(8).fill(1e30), [1, 1, 2, 4]);
    expect(codeOf(() => prepareAttention(x, big, x))).toEqual({ code: 'ERR_RANGE', argument: 'k' });
  });
  it('values whose weighted sum could overflow are refused naming v', () => {
    const big = tensor(new Float32Array(8).fill(1e30), [1, 1, 2, 4]);
    expect(codeOf(() => prepareAttention(x, x, big))).toEqual({ code: 'ERR_RANGE', argument: 'v' });
  });
  it('an ALiBi slope of -1e38 is refused naming options.alibi', () => {
    expect(codeOf(() => prepareAttention(x, x, x, { alibi: [-1e38] }))).toEqual({
      code: 'ERR_RANGE',
      argument: 'options.alibi',
    });
  });
  it('large but safe magnitudes pass (1e12 everywhere: scores about 4e24)', () => {
    const big = tensor(new Float32Array(8).fill(1e12), [1, 1, 2, 4]);
    expect(prepareAttention(big, big, big).keyLength).toBe(2);
  });
});

describe('Model.run options', () => {
  const spec = tinySpec({ inputSize: 4 });
  const backend = defineBackend({
    name: 'k',
    capabilities: capabilities(['models']),
    attention: async () => ({ output: new Float32Array(0) }),
    compile: async () => ({ run: async (r) => ({ logits: new Float32Array(r.batch * r.length * 2) }) }),
  });
  const input = tensor(new Float32Array(8), [1, 2, 4]);

  it.each([
    ['null', null, 'ERR_TYPE', 'options'],
    ['a string', 'x', 'ERR_TYPE', 'options'],
    ['an unknown option', { mask: 1 }, 'ERR_OPTION', 'options.mask'],
    ['lengths: null', { lengths: null }, 'ERR_TYPE', 'options.lengths'],
  ])('%s is a typed error', async (_, options, code, argument) => {
    const model = await backend.compile(spec, initWeights(spec));
    await expect(model.run(input, options as never)).rejects.toMatchObject({ code, argument });
  });
});

describe('attentionMapStage', () => {
  it('names the stage of each map kind, and probs for none', async () => {
    const { attentionMapStage } = await import('./attention-options.js');
    const stages = { scores: 1, softcapped: 2, masked: 3, probs: 4 };
    expect(
      ['scores', 'softcapped', 'masked', 'probs', 'none'].map((k) => attentionMapStage(k as never, stages)),
    ).toEqual([1, 2, 3, 4, 4]);
  });
});
