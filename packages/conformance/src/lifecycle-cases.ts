/**
 * Lifecycle and concurrency: what a backend must survive besides single calls. Cases that need only a
 * backend are {@link ConformanceCase}s; those that create and dispose backends of their own take the plugin
 * ({@link lifecycleChecks}).
 */
import {
  AttnkitError,
  biasMask,
  boolMask,
  fmtShape,
  initWeights,
  missingFeatures,
  prepareAttention,
  requiredFeatures,
  resolveSpec,
  type AttentionOptions,
  type Backend,
  type BackendPlugin,
  type Tensor,
} from '@attnkit/core';
import type { ConformanceCase } from './case.js';
import { assertClose, ConformanceFailure, FLOAT32_TOLERANCE } from './compare.js';
import { makeInputs, type CaseShape } from './attention-cases.js';
import { guarded, snapshot } from './ownership.js';
import { modelTolerance } from './model-cases.js';
import { tinyEncoderSpec } from './tiny-spec.js';
import { referenceAttention } from './reference-attention.js';
import { referenceModel } from './reference-model.js';

/** A call that must settle within this many milliseconds, or it counts as a hang. */
export const HANG_BOUND_MS = 30_000;

/** Rejects with a hang failure if `p` has not settled within `ms`. */
export async function withinBound<T>(p: Promise<T>, what: string, ms = HANG_BOUND_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConformanceFailure(`${what}: did not settle within ${ms} ms (a hang)`)), ms);
  });
  try {
    return await Promise.race([p, hang]);
  } finally {
    clearTimeout(timer);
  }
}

interface MixedCall {
  readonly q: Tensor;
  readonly k: Tensor;
  readonly v: Tensor;
  readonly options: AttentionOptions;
}

/** 64 small calls of mixed shapes and options (those a backend declares). */
function mixedCalls(backend: Backend): MixedCall[] {
  const shapes: CaseShape[] = [
    { B: 1, Hq: 2, Hkv: 2, Sq: 5, Sk: 7, Dk: 4, Dv: 4 },
    { B: 2, Hq: 4, Hkv: 2, Sq: 6, Sk: 6, Dk: 8, Dv: 8 },
    { B: 1, Hq: 1, Hkv: 1, Sq: 1, Sk: 9, Dk: 8, Dv: 3 },
    { B: 1, Hq: 2, Hkv: 1, Sq: 17, Sk: 17, Dk: 16, Dv: 8 },
  ];
  const options = (s: CaseShape): AttentionOptions[] => [
    {},
    { causal: true },
    { window: { left: 1, right: 1 } },
    {
      mask: biasMask(
        Float32Array.from({ length: s.Sq * s.Sk }, (_, i) => (i % 3) * 0.25),
        [s.Sq, s.Sk],
      ),
    },
    {
      mask: boolMask(
        Uint8Array.from({ length: s.Sq * s.Sk }, (_, i) => (i % 4 === 0 ? 0 : 1)),
        [s.Sq, s.Sk],
      ),
    },
    { alibi: Float32Array.from({ length: s.Hq }, (_, h) => 0.5 / (h + 1)) },
    { keyPadding: Int32Array.from({ length: s.B }, (_, b) => Math.max(1, s.Sk - b)), attentionMap: 'probs' },
    { graph: { edges: Int32Array.from({ length: 2 * s.Sq }, (_, e) => (e % 2 === 0 ? e / 2 : (e / 2 - 0.5) % s.Sk)) } },
  ];
  const calls: MixedCall[] = [];
  for (let n = 0; calls.length < 64 && n < 256; n++) {
    const s = shapes[n % shapes.length]!;
    const o = options(s)[Math.floor(n / shapes.length) % 8]!;
    const { q, k, v } = makeInputs(s, 4000 + n);
    const needs = requiredFeatures(prepareAttention(q, k, v, o));
    if (missingFeatures(backend.capabilities, needs).length === 0) calls.push({ q, k, v, options: o });
  }
  return calls;
}

/** The lifecycle cases that run on the suite's backend. */
export function lifecycleCases(): ConformanceCase[] {
  return [
    {
      id: 'lifecycle/progress',
      group: 'lifecycle',
      needs: ['models'],
      async run(backend) {
        // compile and run report a rising fraction that starts at 0 and ends at exactly 1.
        const spec = resolveSpec(tinyEncoderSpec({ layers: 2 }));
        const rising = (seen: number[], what: string): void => {
          if (seen[0] !== 0 || seen.at(-1) !== 1)
            throw new ConformanceFailure(`${what}: progress ${JSON.stringify(seen)} does not go from 0 to 1`);
          for (let i = 1; i < seen.length; i++)
            if (!(seen[i]! > seen[i - 1]!))
              throw new ConformanceFailure(`${what}: progress falls: ${JSON.stringify(seen)}`);
        };
        const compiled: number[] = [];
        const model = await backend.compile(spec, initWeights(spec, { seed: 3 }), {
          onProgress: (f) => compiled.push(f),
        });
        try {
          rising(compiled, 'compile');
          const ran: number[] = [];
          const input = { shape: [1, 4, spec.inputSize], data: new Float32Array(4 * spec.inputSize).fill(0.25) };
          await model.run(input, { onProgress: (f) => ran.push(f) });
          rising(ran, 'model.run');
        } finally {
          await model.dispose();
        }
      },
    },
    {
      id: 'lifecycle/concurrent-64-mixed-calls',
      group: 'lifecycle',
      needs: [],
      async run(backend) {
        const calls = mixedCalls(backend);
        if (calls.length < 64)
          throw new ConformanceFailure(`only ${calls.length} of 64 mixed calls fit the backend's capabilities`);
        const sequential: Float32Array[] = [];
        for (const c of calls) sequential.push((await backend.attention(c.q, c.k, c.v, c.options)).output.data);
        const unchanged = snapshot(
          calls.flatMap(
            (c, i) =>
              [
                [`call ${i} q`, c.q.data],
                [`call ${i} k`, c.k.data],
                [`call ${i} v`, c.v.data],
                [`call ${i} mask`, c.options.mask?.data],
              ] as const,
          ),
        );
        const together = await withinBound(
          Promise.all(calls.map((c) => backend.attention(c.q, c.k, c.v, c.options))),
          '64 concurrent calls',
        );
        unchanged();
        together.forEach((r, i) => {
          const c = calls[i]!;
          assertClose(
            r.output.data,
            sequential[i]!,
            { abs: 1e-6, rel: 1e-6 },
            `concurrent call ${i} vs its sequential result`,
          );
          assertClose(
            r.output.data,
            referenceAttention(prepareAttention(c.q, c.k, c.v, c.options)).output,
            FLOAT32_TOLERANCE,
            `concurrent call ${i} vs the reference`,
          );
        });
      },
    },
    {
      // A caller's bias mask, then a call whose bias the backend computes (window), then the first again:
      // the mask must be untouched (a view into a larger buffer, whose neighbours must be untouched too),
      // and the repeated call must give the same output.
      id: 'lifecycle/caller-mask-kept-apart-from-computed-bias',
      group: 'lifecycle',
      needs: ['biasMask', 'window'],
      async run(backend) {
        const { q, k, v } = makeInputs({ B: 1, Hq: 1, Hkv: 1, Sq: 4, Sk: 4, Dk: 4, Dv: 4 }, 77);
        // A large buffer behind the mask (1 MiB), so that a backend that reuses arrays would reuse this one
        // for the next call's 512 × 512 bias.
        const backing = new Float32Array(512 * 512 + 64).fill(7);
        const mask = biasMask(backing.subarray(8, 24).fill(0), [4, 4]);
        const first = await guarded([q, k, v, { mask }], () => backend.attention(q, k, v, { mask }));
        const long = makeInputs({ B: 1, Hq: 1, Hkv: 1, Sq: 512, Sk: 512, Dk: 4, Dv: 4 }, 78);
        await guarded([long.q, long.k, long.v, {}], () =>
          backend.attention(long.q, long.k, long.v, { window: { left: 0, right: 0 } }),
        );
        await guarded([q, k, v, {}], () => backend.attention(q, k, v, { window: { left: 0, right: 0 } }));
        await guarded([q, k, v, {}], () => backend.attention(q, k, v, { window: { left: 1, right: 0 }, alibi: [0.5] }));
        for (let i = 0; i < backing.length; i++) {
          const want = i >= 8 && i < 24 ? 0 : 7;
          if (backing[i] !== want)
            throw new ConformanceFailure(
              `the caller's buffer changed at element ${i}: ${backing[i]} (expected ${want})`,
            );
        }
        const again = await backend.attention(q, k, v, { mask });
        assertClose(again.output.data, first.output.data, { abs: 0, rel: 0 }, 'the same masked call, repeated');
      },
    },
    {
      // The caller may reuse its weight arrays after compile: the model must have kept its own copy.
      id: 'lifecycle/model-keeps-its-own-weights',
      group: 'lifecycle',
      needs: ['models'],
      async run(backend) {
        const spec = resolveSpec(tinyEncoderSpec({ output: { kind: 'per-position', classes: 3 } }));
        const weights = initWeights(spec, { seed: 12, randomAll: true });
        const original = new Map([...weights].map(([name, t]) => [name, t.data.slice()]));
        const input = { shape: [1, 5, 3], data: Float32Array.from({ length: 15 }, (_, i) => Math.sin(i)) };
        const model = await backend.compile(spec, weights);
        try {
          for (const t of weights.values()) t.data.fill(0);
          const out = await model.run(input);
          const ref = referenceModel(spec, original, input.data, 1, 5, [5], []);
          assertClose(
            out.logits.data,
            ref.logits,
            modelTolerance(1),
            'logits after the caller zeroed its weight arrays',
          );
        } finally {
          await model.dispose();
        }
      },
    },
    {
      id: 'lifecycle/zero-keys-give-zeros',
      group: 'lifecycle',
      needs: [],
      async run(backend) {
        const q = makeInputs({ B: 2, Hq: 2, Hkv: 2, Sq: 3, Sk: 1, Dk: 4, Dv: 5 }, 5).q;
        const none = { shape: [2, 2, 0, 4], data: new Float32Array(0) };
        const r = await backend.attention(q, none, { shape: [2, 2, 0, 5], data: new Float32Array(0) });
        if (r.output.shape.join() !== '2,2,3,5')
          throw new ConformanceFailure(`output shape ${fmtShape(r.output.shape)}, expected [2,2,3,5]`);
        assertClose(r.output.data, new Float64Array(60), { abs: 0, rel: 0 }, 'output with no keys');
      },
    },
    {
      id: 'lifecycle/refused-call-leaves-backend-usable',
      group: 'lifecycle',
      needs: ['attentionMap:probs'],
      async run(backend) {
        const big = { shape: [1, 1, 40_000, 1], data: new Float32Array(40_000).fill(0.5) };
        const refused = await backend.attention(big, big, big, { attentionMap: 'probs' }).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!(refused instanceof AttnkitError) || refused.code !== 'ERR_TOO_LARGE')
          throw new ConformanceFailure(`expected ERR_TOO_LARGE, got ${String(refused)}`);
        const { q, k, v } = makeInputs({ B: 1, Hq: 2, Hkv: 2, Sq: 5, Sk: 5, Dk: 4, Dv: 4 }, 6);
        const r = await backend.attention(q, k, v, { attentionMap: 'probs' });
        assertClose(
          r.output.data,
          referenceAttention(prepareAttention(q, k, v)).output,
          FLOAT32_TOLERANCE,
          'output after a refused call',
        );
      },
    },
  ];
}

/** One lifecycle check that creates backends of its own. */
export interface LifecycleCheck {
  /** What the check holds, as a sentence (the test's name). */
  readonly name: string;
  /** Runs the check on backends the plugin creates with `createOptions`; throws on a failure. */
  run(plugin: BackendPlugin, createOptions: unknown): Promise<void>;
}

/** Checks that create and dispose backends: dispose during calls, and repeated create/dispose. */
export function lifecycleChecks(
  options: {
    /** Backends created, used for one call and disposed in the create/dispose check; default 20. */
    cycles?: number;
    /**
     * The large calls still running when `dispose()` comes; default `B 1, Hq 4, Hkv 4, Sq 1024, Sk 1024, Dk 32,
     * Dv 32` (a slow device gives a smaller one).
     */
    inFlightShape?: CaseShape;
  } = {},
): LifecycleCheck[] {
  return [
    {
      name: 'a disposed backend refuses work with ERR_DISPOSED',
      async run(plugin, createOptions) {
        const b = await plugin.create(createOptions);
        await b.dispose();
        const one = { shape: [1, 1, 1, 1], data: new Float32Array(1) };
        const caught = await b.attention(one, one, one).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (!(caught instanceof AttnkitError) || caught.code !== 'ERR_DISPOSED')
          throw new ConformanceFailure(`expected ERR_DISPOSED, got ${String(caught)}`);
      },
    },
    {
      name: 'calls in flight at dispose() reject with ERR_DISPOSED or finish; none hangs',
      async run(plugin, createOptions) {
        const b = await plugin.create(createOptions);
        const shape = options.inFlightShape ?? { B: 1, Hq: 4, Hkv: 4, Sq: 1024, Sk: 1024, Dk: 32, Dv: 32 };
        const large = makeInputs(shape, 8);
        const small = makeInputs({ B: 1, Hq: 1, Hkv: 1, Sq: 8, Sk: 8, Dk: 4, Dv: 4 }, 9);
        const calls = [
          b.attention(large.q, large.k, large.v),
          b.attention(small.q, small.k, small.v, { causal: true }),
          b.attention(large.q, large.k, large.v, { window: { left: 16, right: 16 } }),
        ];
        const outcomes = Promise.allSettled(calls);
        await b.dispose();
        const settled = await withinBound(outcomes, 'calls in flight at dispose()');
        settled.forEach((s, i) => {
          if (s.status === 'fulfilled') {
            if (!s.value.output || s.value.output.data.length === 0)
              throw new ConformanceFailure(`call ${i} finished without an output`);
          } else if (!(s.reason instanceof AttnkitError) || s.reason.code !== 'ERR_DISPOSED') {
            throw new ConformanceFailure(
              `call ${i} in flight at dispose(): expected ERR_DISPOSED or a result, got ${String(s.reason)}`,
            );
          }
        });
      },
    },
    {
      name: 'an aborted call rejects with ERR_ABORTED, and the backend stays usable',
      async run(plugin, createOptions) {
        const { q, k, v } = makeInputs({ B: 1, Hq: 2, Hkv: 1, Sq: 16, Sk: 16, Dk: 8, Dv: 8 }, 11);
        const want = referenceAttention(prepareAttention(q, k, v, { causal: true })).output;
        const b = await plugin.create(createOptions);
        try {
          const expectAborted = async (call: Promise<unknown>, what: string): Promise<void> => {
            const caught = await withinBound(call, what).then(
              () => undefined,
              (e: unknown) => e,
            );
            if (!(caught instanceof AttnkitError) || caught.code !== 'ERR_ABORTED')
              throw new ConformanceFailure(`${what}: expected ERR_ABORTED, got ${String(caught)}`);
          };
          await expectAborted(
            b.attention(q, k, v, { causal: true, signal: AbortSignal.abort() }),
            'attention with an aborted signal',
          );
          const controller = new AbortController();
          const running = b.attention(q, k, v, { causal: true, signal: controller.signal });
          controller.abort();
          await expectAborted(running, 'attention aborted while running');
          const after = await withinBound(b.attention(q, k, v, { causal: true }), 'attention after an abort');
          assertClose(after.output.data, want, FLOAT32_TOLERANCE, 'attention after an abort');
        } finally {
          await b.dispose();
        }
      },
    },
    {
      name: 'backends can be created and disposed many times',
      async run(plugin, createOptions) {
        const { q, k, v } = makeInputs({ B: 1, Hq: 1, Hkv: 1, Sq: 3, Sk: 3, Dk: 4, Dv: 4 }, 10);
        const want = referenceAttention(prepareAttention(q, k, v)).output;
        for (let i = 0; i < (options.cycles ?? 20); i++) {
          const b = await plugin.create(createOptions);
          try {
            assertClose(
              (await withinBound(b.attention(q, k, v), `cycle ${i}`)).output.data,
              want,
              FLOAT32_TOLERANCE,
              `cycle ${i}`,
            );
          } finally {
            await b.dispose();
          }
        }
      },
    },
  ];
}
