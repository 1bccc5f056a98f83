/**
 * Bad input: every case must be refused with core's typed error (`AttnkitError` with the expected code,
 * and a message naming the argument), never a TypeError, a crash, or NaN.
 */
import {
  AttnkitError,
  biasMask,
  boolMask,
  initWeights,
  type Backend,
  type ErrorCode,
  type Feature,
  type ModelSpec,
  type Tensor,
} from '@attnkit/core';
import type { ConformanceCase } from './case.js';
import { makeInputs } from './attention-cases.js';
import { callArrays, snapshot, weightArrays } from './ownership.js';
import { tinyEncoderSpec } from './tiny-spec.js';

async function expectError(
  what: () => Promise<unknown>,
  code: ErrorCode,
  mentions: string,
  unchanged?: () => void,
): Promise<void> {
  let result: unknown;
  try {
    result = await what();
  } catch (e) {
    unchanged?.();
    if (!(e instanceof AttnkitError)) {
      throw new Error(`expected AttnkitError ${code}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
    }
    if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.message}`);
    if (!e.message.includes(mentions)) throw new Error(`error message should mention "${mentions}": ${e.message}`);
    return;
  }
  throw new Error(`expected AttnkitError ${code}, but the call succeeded (${JSON.stringify(result)?.slice(0, 80)})`);
}

const t = (shape: number[], fill = 0.5): Tensor => ({
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(fill),
});

type Call = (b: Backend) => Promise<unknown>;

/** Every bad-input case. */
export function badInputCases(): ConformanceCase[] {
  const { q, k, v } = makeInputs({ B: 2, Hq: 4, Hkv: 2, Sq: 3, Sk: 5, Dk: 4, Dv: 6 }, 99);
  const additive = (shape: number[], fill = 0.5) => ({ kind: 'additive' as const, weights: t(shape, fill) });
  const list: [string, ErrorCode, string, Call][] = [
    ['q-rank-2', 'ERR_RANK', 'q', (b) => b.attention(t([3, 4]), k, v)],
    [
      'additive-weights-shape',
      'ERR_SHAPE',
      'options.relevance.weights',
      (b) => b.attention(q, k, v, { relevance: additive([4, 3]) }),
    ],
    [
      'additive-weights-nan',
      'ERR_NON_FINITE',
      'options.relevance.weights',
      (b) => b.attention(q, k, v, { relevance: additive([4, 4], NaN) }),
    ],
    [
      'additive-weights-not-tensor',
      'ERR_TYPE',
      'options.relevance.weights',
      (b) => b.attention(q, k, v, { relevance: { kind: 'additive', weights: [1, 2] as never } }),
    ],
    [
      'additive-with-scale',
      'ERR_OPTION',
      'options.scale',
      (b) => b.attention(q, k, v, { relevance: additive([4, 4]), scale: 0.5 }),
    ],
    [
      'relevance-kind',
      'ERR_OPTION',
      'options.relevance',
      (b) => b.attention(q, k, v, { relevance: 'cosine' as never }),
    ],
    ['k-rank-differs', 'ERR_RANK', 'k', (b) => b.attention(q, t([2, 2, 5, 4, 1]), v)],
    ['data-length', 'ERR_SHAPE', 'q', (b) => b.attention({ shape: [2, 4, 3, 4], data: new Float32Array(5) }, k, v)],
    [
      'q-not-float32',
      'ERR_TYPE',
      'q',
      (b) => b.attention({ shape: q.shape, data: Float64Array.from(q.data) as unknown as Float32Array }, k, v),
    ],
    ['q-missing', 'ERR_TYPE', 'q', (b) => b.attention(undefined as unknown as Tensor, k, v)],
    ['dk-mismatch', 'ERR_SHAPE', 'Dk', (b) => b.attention(q, t([2, 2, 5, 6]), v)],
    ['batch-mismatch', 'ERR_SHAPE', 'batch', (b) => b.attention(q, t([1, 2, 5, 4]), t([1, 2, 5, 6]))],
    ['v-length-mismatch', 'ERR_SHAPE', 'v', (b) => b.attention(q, k, t([2, 2, 4, 6]))],
    ['heads-do-not-divide', 'ERR_HEADS', 'heads', (b) => b.attention(q, t([2, 3, 5, 4]), t([2, 3, 5, 6]))],
    [
      'packed-without-heads',
      'ERR_OPTION',
      'options.heads',
      (b) => b.attention(t([2, 3, 16]), t([2, 5, 8]), t([2, 5, 12])),
    ],
    [
      'packed-not-divisible',
      'ERR_HEADS',
      'q',
      (b) => b.attention(t([2, 3, 15]), t([2, 5, 8]), t([2, 5, 12]), { heads: { q: 4, kv: 2 } }),
    ],
    [
      'mask-heads-mismatch',
      'ERR_MASK',
      'options.mask',
      (b) => b.attention(q, k, v, { mask: boolMask(new Uint8Array(3 * 3 * 5).fill(1), [3, 3, 5]) }),
    ],
    [
      'mask-too-long',
      'ERR_MASK',
      'options.mask',
      (b) => b.attention(q, k, v, { mask: boolMask(new Uint8Array(3 * 6).fill(1), [3, 6]) }),
    ],
    [
      'mask-rank-5',
      'ERR_MASK',
      'options.mask',
      (b) => b.attention(q, k, v, { mask: boolMask(new Uint8Array(15).fill(1), [1, 1, 1, 3, 5]) }),
    ],
    [
      'mask-data-length',
      'ERR_SHAPE',
      'options.mask',
      (b) => b.attention(q, k, v, { mask: boolMask(new Uint8Array(7), [3, 5]) }),
    ],
    [
      'bool-mask-float-data',
      'ERR_TYPE',
      'options.mask',
      (b) =>
        b.attention(q, k, v, {
          mask: { kind: 'bool', shape: [3, 5], data: new Float32Array(15) as unknown as Uint8Array },
        }),
    ],
    [
      'bias-mask-nan',
      'ERR_NON_FINITE',
      'options.mask',
      (b) => b.attention(q, k, v, { mask: biasMask(new Float32Array(15).fill(NaN), [3, 5]) }),
    ],
    [
      'bias-mask-plus-infinity',
      'ERR_NON_FINITE',
      'options.mask',
      (b) => b.attention(q, k, v, { mask: biasMask(new Float32Array(15).fill(Infinity), [3, 5]) }),
    ],
    ['scale-nan', 'ERR_OPTION', 'options.scale', (b) => b.attention(q, k, v, { scale: NaN })],
    ['scale-infinite', 'ERR_OPTION', 'options.scale', (b) => b.attention(q, k, v, { scale: Infinity })],
    ['softcap-negative', 'ERR_OPTION', 'options.softcap', (b) => b.attention(q, k, v, { softcap: -1 })],
    [
      'window-negative',
      'ERR_OPTION',
      'options.window.left',
      (b) => b.attention(q, k, v, { window: { left: -1, right: 2 } }),
    ],
    [
      'window-fractional',
      'ERR_OPTION',
      'options.window.right',
      (b) => b.attention(q, k, v, { window: { left: 1, right: 1.5 } }),
    ],
    [
      'edge-query-out-of-range',
      'ERR_RANGE',
      'options.graph.edges',
      (b) => b.attention(q, k, v, { graph: { edges: [0, 1, 3, 0] } }),
    ],
    [
      'edge-key-out-of-range',
      'ERR_RANGE',
      'options.graph.edges',
      (b) => b.attention(q, k, v, { graph: { edges: [0, 5] } }),
    ],
    [
      'edge-odd-count',
      'ERR_SHAPE',
      'options.graph.edges',
      (b) => b.attention(q, k, v, { graph: { edges: [0, 1, 2] } }),
    ],
    ['key-length-too-long', 'ERR_RANGE', 'options.keyLengths', (b) => b.attention(q, k, v, { keyLengths: [5, 6] })],
    ['key-length-negative', 'ERR_RANGE', 'options.keyLengths', (b) => b.attention(q, k, v, { keyLengths: [-1, 2] })],
    ['key-lengths-count', 'ERR_SHAPE', 'options.keyLengths', (b) => b.attention(q, k, v, { keyLengths: [5] })],
    ['key-padding-too-long', 'ERR_RANGE', 'options.keyPadding', (b) => b.attention(q, k, v, { keyPadding: [5, 9] })],
    [
      'key-lengths-with-past',
      'ERR_OPTION',
      'options.keyLengths',
      (b) => b.attention(q, k, v, { keyLengths: [5, 5], past: { key: t([2, 2, 1, 4]), value: t([2, 2, 1, 6]) } }),
    ],
    [
      'past-shape',
      'ERR_SHAPE',
      'options.past.key',
      (b) => b.attention(q, k, v, { past: { key: t([2, 2, 1, 5]), value: t([2, 2, 1, 6]) } }),
    ],
    ['unknown-option', 'ERR_OPTION', 'options.casual', (b) => b.attention(q, k, v, { casual: true } as never)],
    [
      'attention-map-kind',
      'ERR_OPTION',
      'options.attentionMap',
      (b) => b.attention(q, k, v, { attentionMap: 'all' as never }),
    ],
    // `weights` is the former name of `attentionMap`: still read, checked the same way, never both.
    ['former-name-kind', 'ERR_OPTION', 'options.weights', (b) => b.attention(q, k, v, { weights: 'all' } as never)],
    [
      'former-and-new-name',
      'ERR_OPTION',
      'options.weights',
      (b) => b.attention(q, k, v, { weights: 'probs', attentionMap: 'probs' } as never),
    ],
    ['alibi-length', 'ERR_SHAPE', 'options.alibi', (b) => b.attention(q, k, v, { alibi: [1, 2] })],
    ['options-null', 'ERR_TYPE', 'options', (b) => b.attention(q, k, v, null as never)],
    // Option values of the wrong type: typed errors, never a TypeError or a silent default.
    ['heads-null', 'ERR_TYPE', 'options.heads', (b) => b.attention(q, k, v, { heads: null } as never)],
    [
      'return-present-string',
      'ERR_OPTION',
      'options.returnPresent',
      (b) => b.attention(q, k, v, { returnPresent: 'no' } as never),
    ],
    ['weights-null', 'ERR_TYPE', 'options.weights', (b) => b.attention(q, k, v, { weights: null } as never)],
    ['key-lengths-null', 'ERR_TYPE', 'options.keyLengths', (b) => b.attention(q, k, v, { keyLengths: null } as never)],
    ['window-null', 'ERR_TYPE', 'options.window', (b) => b.attention(q, k, v, { window: null } as never)],
    // Scale must be positive (0 ignores q, a negative scale inverts relevance).
    ['scale-zero', 'ERR_OPTION', 'options.scale', (b) => b.attention(q, k, v, { scale: 0 })],
    ['scale-negative', 'ERR_OPTION', 'options.scale', (b) => b.attention(q, k, v, { scale: -0.5 })],
    // Finite values whose scores float32 cannot hold: a typed error, never NaN or a wrong finite answer.
    ['q-k-1e20', 'ERR_RANGE', 'q', (b) => b.attention(t([2, 4, 3, 4], 1e20), t([2, 2, 5, 4], 1e20), v)],
    ['v-1e30', 'ERR_RANGE', 'v', (b) => b.attention(q, k, t([2, 2, 5, 6], 1e30))],
    ['alibi-huge', 'ERR_RANGE', 'options.alibi', (b) => b.attention(q, k, v, { alibi: [-1e38, 1, 1, 1] })],
    // Sizes are checked before anything is allocated.
    [
      'output-4-gib',
      'ERR_TOO_LARGE',
      'v',
      (b) => b.attention(t([1, 1, 1, 1]), t([1, 1, 0, 1]), { shape: [1, 1, 0, 2 ** 30], data: new Float32Array(0) }),
    ],
    [
      'probs-40000',
      'ERR_TOO_LARGE',
      'attention map "probs" [1,1,40000,40000]',
      (b) => b.attention(t([1, 1, 40_000, 1]), t([1, 1, 40_000, 1]), t([1, 1, 40_000, 1]), { attentionMap: 'probs' }),
    ],
    ['max-bytes-per-call', 'ERR_TOO_LARGE', 'would allocate', (b) => b.attention(q, k, v, { maxBytes: 64 })],
    ['max-bytes-invalid', 'ERR_OPTION', 'options.maxBytes', (b) => b.attention(q, k, v, { maxBytes: 0 })],
  ];
  // Non-finite inputs. A backend may find these only after running the call (`sumsInputs`), so the
  // calls use nothing beyond what the case needs; the last two hide the bad value from every query.
  const plain = makeInputs({ B: 2, Hq: 2, Hkv: 2, Sq: 3, Sk: 5, Dk: 4, Dv: 4 }, 98);
  const spoil = (x: Tensor, at: number, value: number): Tensor => ({
    shape: x.shape,
    data: x.data.map((y, i) => (i === at ? value : y)),
  });
  const pastOf = (fill: number): { key: Tensor; value: Tensor } => ({
    key: t([2, 2, 2, 4], fill),
    value: t([2, 2, 2, 4], fill),
  });
  const nonFinite: [string, string, Feature[], Call][] = [
    ['nan-in-q', 'q: element 7 is NaN', [], (b) => b.attention(spoil(plain.q, 7, NaN), plain.k, plain.v)],
    [
      'infinity-in-k',
      'k: element 12 is Infinity',
      [],
      (b) => b.attention(plain.q, spoil(plain.k, 12, Infinity), plain.v),
    ],
    [
      'minus-infinity-in-v',
      'v: element 79 is -Infinity',
      [],
      (b) => b.attention(plain.q, plain.k, spoil(plain.v, 79, -Infinity)),
    ],
    [
      'nan-in-packed-k',
      'k: element 9 is NaN',
      [],
      (b) =>
        b.attention(
          { shape: [2, 3, 8], data: plain.q.data },
          spoil({ shape: [2, 5, 8], data: plain.k.data }, 9, NaN),
          { shape: [2, 5, 8], data: plain.v.data },
          { heads: { q: 2 } },
        ),
    ],
    [
      'nan-in-past-value',
      'options.past.value: element 3 is NaN',
      ['past'],
      (b) =>
        b.attention(plain.q, plain.k, plain.v, {
          past: { key: pastOf(0.5).key, value: spoil(pastOf(0.5).value, 3, NaN) },
        }),
    ],
    // Key 4 of batch 0 (elements 16..19 of each head) is beyond its valid length: no query sees it.
    [
      'nan-in-hidden-key',
      'k: element 17 is NaN',
      ['keyLengths'],
      (b) => b.attention(plain.q, spoil(plain.k, 17, NaN), plain.v, { keyLengths: [4, 5] }),
    ],
    // Causal with 3 queries over 5 keys (top-left aligned): keys 3 and 4 are seen by no query.
    [
      'infinity-in-causally-hidden-value',
      'v: element 18 is Infinity',
      ['causal'],
      (b) => b.attention(plain.q, plain.k, spoil(plain.v, 18, Infinity), { causal: true }),
    ],
  ];
  const spec = tinyEncoderSpec({ ffnSize: 16 });
  const w = initWeights(spec, { seed: 1 });
  const tokenSpec: ModelSpec = tinyEncoderSpec({
    inputSize: undefined,
    input: { kind: 'tokens', vocabSize: 9 },
    output: { kind: 'pooled', classes: 2 },
  });
  const tokenWeights = initWeights(tokenSpec, { seed: 2 });
  const runTokens =
    (ids: Int32Array | Float32Array, shape = [2, 4]): Call =>
    async (b) => {
      const m = await b.compile(tokenSpec, tokenWeights);
      try {
        return await m.run({ shape, data: ids });
      } finally {
        await m.dispose();
      }
    };
  const without = (name: string): Map<string, Tensor> => new Map([...w].filter(([n]) => n !== name));
  const models: [string, ErrorCode, string, Call][] = [
    ['spec-heads', 'ERR_SPEC', 'spec.heads', (b) => b.compile({ ...spec, heads: 3 }, w)],
    ['spec-activation', 'ERR_SPEC', 'spec.activation', (b) => b.compile({ ...spec, activation: 'tanh' as never }, w)],
    [
      'spec-window',
      'ERR_SPEC',
      'spec.attention[0].window.left',
      (b) => b.compile({ ...spec, attention: { window: { left: -2, right: 1 } } }, w),
    ],
    [
      'weight-missing',
      'ERR_WEIGHTS',
      'layers.0.ffn.hidden.bias',
      (b) => b.compile(spec, without('layers.0.ffn.hidden.bias')),
    ],
    [
      'weight-extra',
      'ERR_WEIGHTS',
      'layers.1.norm1.weight',
      (b) => b.compile(spec, new Map([...w, ['layers.1.norm1.weight', t([8])]])),
    ],
    ['weight-shape', 'ERR_WEIGHTS', 'head.weight', (b) => b.compile(spec, new Map([...w, ['head.weight', t([8, 2])]]))],
    [
      'run-features',
      'ERR_SHAPE',
      'input',
      async (b) => {
        const m = await b.compile(spec, w);
        try {
          return await m.run(t([1, 4, 5]));
        } finally {
          await m.dispose();
        }
      },
    ],
    [
      'run-lengths',
      'ERR_RANGE',
      'options.lengths',
      async (b) => {
        const m = await b.compile(spec, w);
        try {
          return await m.run(t([2, 4, 3]), { lengths: [4, 0] });
        } finally {
          await m.dispose();
        }
      },
    ],
    [
      'run-attention-layer',
      'ERR_RANGE',
      'options.attentionOf',
      async (b) => {
        const m = await b.compile(spec, w);
        try {
          return await m.run(t([1, 4, 3]), { attentionOf: [1] });
        } finally {
          await m.dispose();
        }
      },
    ],
    [
      'run-options-null',
      'ERR_TYPE',
      'options',
      async (b) => {
        const m = await b.compile(spec, w);
        try {
          return await m.run(t([1, 4, 3]), null as never);
        } finally {
          await m.dispose();
        }
      },
    ],
    [
      'run-options-string',
      'ERR_TYPE',
      'options',
      async (b) => {
        const m = await b.compile(spec, w);
        try {
          return await m.run(t([1, 4, 3]), 'x' as never);
        } finally {
          await m.dispose();
        }
      },
    ],
    [
      'run-unknown-option',
      'ERR_OPTION',
      'options.mask',
      async (b) => {
        const m = await b.compile(spec, w);
        try {
          return await m.run(t([1, 4, 3]), { mask: 1 } as never);
        } finally {
          await m.dispose();
        }
      },
    ],
    ['spec-ten-million-layers', 'ERR_TOO_LARGE', 'spec.layers', (b) => b.compile({ ...spec, layers: 1e7 }, w)],
    [
      'spec-relevance',
      'ERR_SPEC',
      'spec.attention[0].relevance',
      (b) => b.compile({ ...spec, attention: { relevance: 'cosine' as never } }, w),
    ],
    [
      'spec-vocab-size',
      'ERR_SPEC',
      'spec.input.vocabSize',
      (b) => b.compile({ ...tokenSpec, input: { kind: 'tokens', vocabSize: 0 } }, tokenWeights),
    ],
    [
      'weight-additive-missing',
      'ERR_WEIGHTS',
      'layers.0.attention.additive.weight',
      (b) => b.compile({ ...spec, attention: { relevance: 'additive' } }, w),
    ],
    ['run-token-too-large', 'ERR_RANGE', 'token at [1, 2] is 9', runTokens(Int32Array.of(0, 1, 2, 3, 4, 5, 9, 7))],
    ['run-token-negative', 'ERR_RANGE', 'token at [0, 3] is -1', runTokens(Int32Array.of(0, 1, 2, -1, 4, 5, 6, 7))],
    ['run-token-fraction', 'ERR_RANGE', 'token at [0, 1] is 1.5', runTokens(Float32Array.of(0, 1.5, 2, 3, 4, 5, 6, 7))],
    ['run-token-shape', 'ERR_RANK', 'input', runTokens(new Int32Array(8), [2, 4, 1])],
    [
      'run-graph-node',
      'ERR_RANGE',
      'options.graph.edges',
      async (b) => {
        const m = await b.compile(spec, w);
        try {
          return await m.run(t([1, 4, 3]), { graph: { edges: [0, 1, 1, 4] } });
        } finally {
          await m.dispose();
        }
      },
    ],
    [
      'run-graph-count',
      'ERR_SHAPE',
      'options.graph',
      async (b) => {
        const m = await b.compile(spec, w);
        try {
          return await m.run(t([2, 4, 3]), { graph: [{ edges: [0, 1] }] });
        } finally {
          await m.dispose();
        }
      },
    ],
  ];
  // A refused call leaves the shared inputs untouched.
  const shared = (): (() => void) =>
    snapshot([
      ...callArrays(q, k, v),
      ...callArrays(plain.q, plain.k, plain.v),
      ...weightArrays(w),
      ...weightArrays(tokenWeights),
    ]);
  return [
    ...list.map(([name, code, mentions, call]): ConformanceCase => ({
      id: `bad-input/${name}`,
      group: 'bad-input',
      needs: [],
      run: (b) => expectError(() => call(b), code, mentions, shared()),
    })),
    ...nonFinite.map(([name, message, needs, call]): ConformanceCase => ({
      id: `bad-input/${name}`,
      group: 'bad-input',
      needs,
      run: (b) => expectError(() => call(b), 'ERR_NON_FINITE', message, shared()),
    })),
    ...models.map(([name, code, mentions, call]): ConformanceCase => ({
      id: `bad-input/model-${name}`,
      group: 'bad-input',
      needs: name.startsWith('run-') ? ['models'] : [],
      run: (b) => expectError(() => call(b), code, mentions, shared()),
    })),
  ];
}
