/**
 * A peer that runs plain ONNX graphs on an ONNX Runtime JavaScript API (onnxruntime-node, or
 * onnxruntime-web's WebAssembly or WebGPU execution provider). The session is created once per case
 * (that is preparation); each timed run is one `session.run` with the inputs as tensors.
 *
 * float16 attention cases run where the runtime says its kernel for the graph's operator takes float16
 * ({@link OrtRuntime.float16}): the inputs are rounded to float16 once, outside the timed runs, fed as float16
 * tensors, and each run widens the float16 output for the check, as the attnkit engines do.
 *
 * Shape legend: B batch, Hq/Hkv heads, S key length, D head size.
 */
import { float32FromHalf, toFloat16 } from '@attnkit/core';
import { peerUnsupported, type BenchCase } from '../cases.js';
import type { Engine, EngineInfo } from '../engine.js';
import { maskBias } from '../inputs.js';
import { cacheDecode } from './ort-cache-decode.js';
import {
  attentionGraph,
  attentionGraphUnsupported,
  cacheGraph,
  gqaUnsupported,
  type OrtAttentionForm,
} from './ort-attention-graphs.js';
import { encoderGraph, encoderGraphUnsupported } from './ort-encoder-graph.js';
import { graph } from './onnx-graph.js';

/** The part of an ONNX Runtime JavaScript API the peer uses (`onnxruntime-node` and `onnxruntime-web` both fit). */
export interface OrtApi {
  readonly Tensor: new (
    type: 'float32' | 'float16' | 'int32',
    data: Float32Array | Uint16Array | Int32Array,
    dims: readonly number[],
  ) => unknown;
  readonly InferenceSession: {
    create(
      bytes: Uint8Array,
      options?: Record<string, unknown>,
    ): Promise<{
      readonly outputNames: readonly string[];
      run(feeds: Record<string, never>): Promise<Record<string, { readonly data: unknown }>>;
      release(): Promise<void>;
    }>;
  };
}

/** How a runtime is set up and described. */
export interface OrtRuntime {
  readonly ort: OrtApi;
  /** Facts for the results file (engine, version, execution provider, threads). */
  readonly info: EngineInfo;
  /** Session options (execution providers). */
  readonly sessionOptions: Record<string, unknown>;
  /**
   * Why this runtime does not run a float16 attention graph of `form` on float16 kernels, or `undefined`
   * when it does. A runtime that would compute such a graph in float32 (onnxruntime's CPU provider inserts
   * casts around an operator that has no float16 kernel) is no float16 peer and says so. Without it, no
   * float16 case runs.
   */
  readonly float16?: (form: OrtAttentionForm) => string | undefined;
}

/** What a session of the peer is: created once per case, run many times. */
export type OrtSession = Awaited<ReturnType<OrtApi['InferenceSession']['create']>>;

/** How the peer of one graph form decodes through a cache. */
export interface OrtPeerOptions {
  /**
   * Runs decode-through-a-cache cases as `GroupQueryAttention` with a past of fixed capacity (see
   * {@link cacheGraph}); without it they are unsupported, and say which peer runs them.
   */
  readonly cacheDecode?: boolean;
}

/** The peer of one graph form on one runtime. */
export function ortSessionPeer(
  form: OrtAttentionForm,
  setup: () => Promise<OrtRuntime>,
  peerOptions: OrtPeerOptions = {},
): Engine {
  let runtime: Promise<OrtRuntime> | undefined;
  const ready = (): Promise<OrtRuntime> => (runtime ??= setup());
  return {
    async probe() {
      try {
        const r = await ready();
        return { available: true, reason: `${r.info.engine} ${r.info.version}`, info: r.info };
      } catch (e) {
        return { available: false, reason: e instanceof Error ? e.message : String(e) };
      }
    },
    async open() {
      const { ort, info, sessionOptions, float16 } = await ready();
      const tensor = (data: Float32Array | Uint16Array | Int32Array, dims: readonly number[]): never =>
        new ort.Tensor(
          data instanceof Int32Array ? 'int32' : data instanceof Uint16Array ? 'float16' : 'float32',
          data,
          dims,
        ) as never;
      // Asked once per session, and only of a runtime that may run float16 cases.
      const halfFeeds = float16 ? await float16FeedsWork(ort) : false;
      return {
        info: { ...info, graph: form },
        unsupported(c: BenchCase) {
          const peer = peerUnsupported(c, { attention: true });
          if (peer) return peer;
          if (c.dtype === 'float16') {
            const graph = c.kind === 'attention' ? attentionGraphUnsupported(c, form) : undefined;
            if (graph) return graph;
            const why = float16 ? float16(form) : 'this runtime runs no float16 attention';
            if (why) return why;
            if (!halfFeeds)
              return `${info.engine} here does not take float16 tensors (a float16 Identity graph did not give back its input)`;
          }
          if (c.kind === 'attention' && c.steps !== undefined)
            return peerOptions.cacheDecode
              ? gqaUnsupported(c)
              : 'decoding through a cache is measured on onnxruntime-web (ortweb-wasm): GroupQueryAttention with a past of fixed capacity';
          if (c.kind === 'attention') return attentionGraphUnsupported(c, form);
          if (form !== 'matmul')
            return 'the encoder peer is written once, as a MatMul/Softmax graph (engines ort-matmul, ortweb-wasm-matmul, ortweb-webgpu-matmul)';
          return encoderGraphUnsupported(c.spec);
        },
        async prepare(c, inputs) {
          if (c.kind === 'attention' && inputs.kind === 'attention' && c.steps !== undefined) {
            const session = await ort.InferenceSession.create(cacheGraph(c).bytes, {
              graphOptimizationLevel: 'all',
              ...sessionOptions,
            });
            return cacheDecode(session, tensor, { ...c, steps: c.steps }, inputs);
          }
          const feeds: Record<string, never> = {};
          let bytes: Uint8Array;
          let output = 'logits';
          if (c.kind === 'encoder' && inputs.kind === 'encoder') {
            bytes = encoderGraph(c.spec, inputs.weights, c.batch, c.seq);
            feeds.input = tensor(inputs.input.data, inputs.input.shape);
          } else if (c.kind === 'attention' && inputs.kind === 'attention') {
            const g = attentionGraph(c, form);
            bytes = g.bytes;
            output = g.output;
            const [B, Hkv, S, D] = inputs.k.shape as [number, number, number, number];
            if (form === 'gqa') {
              // The cache holds the first S − 1 keys and values; the last one is the new token.
              const split = (t: Float32Array): { past: Float32Array; last: Float32Array } => {
                const past = new Float32Array(B * Hkv * (S - 1) * D);
                const last = new Float32Array(B * Hkv * D);
                for (let bh = 0; bh < B * Hkv; bh++) {
                  past.set(t.subarray(bh * S * D, (bh * S + S - 1) * D), bh * (S - 1) * D);
                  last.set(t.subarray((bh * S + S - 1) * D, (bh + 1) * S * D), bh * D);
                }
                return { past, last };
              };
              const k = split(inputs.k.data),
                v = split(inputs.v.data);
              feeds.Q = tensor(inputs.q.data, [B, 1, c.heads * D]);
              feeds.K = tensor(k.last, [B, 1, Hkv * D]);
              feeds.V = tensor(v.last, [B, 1, Hkv * D]);
              feeds.PastK = tensor(k.past, [B, Hkv, S - 1, D]);
              feeds.PastV = tensor(v.past, [B, Hkv, S - 1, D]);
              feeds.SeqLensK = tensor(new Int32Array(B).fill(S - 1), [B]);
              feeds.TotalLength = tensor(Int32Array.of(S), []);
            } else {
              // float16 cases: rounded to halves once, here, outside the timed runs.
              const half = c.dtype === 'float16';
              const data = (t: Float32Array, shape: readonly number[]): Float32Array | Uint16Array =>
                half ? toFloat16({ shape, data: t }).data : t;
              feeds.Q = tensor(data(inputs.q.data, inputs.q.shape), inputs.q.shape);
              feeds.K = tensor(data(inputs.k.data, inputs.k.shape), inputs.k.shape);
              feeds.V = tensor(data(inputs.v.data, inputs.v.shape), inputs.v.shape);
              if (g.takesBias) feeds.Bias = tensor(data(maskBias(c)!, [c.seq, c.seq]), [c.seq, c.seq]);
            }
          } else {
            throw new Error(`inputs of kind ${inputs.kind} do not fit case ${c.id}`);
          }
          const session = await ort.InferenceSession.create(bytes, {
            graphOptimizationLevel: 'all',
            ...sessionOptions,
          });
          const widen = c.dtype === 'float16';
          return {
            async run() {
              const r = await session.run(feeds);
              const y = r[output]!.data;
              if (!widen) return y as Float32Array;
              return halfOutput(y);
            },
            dispose: () => session.release(),
          };
        },
        async dispose() {},
      };
    },
  };
}

/**
 * A float16 output as float32: half bits (`Uint16Array`), or the numbers of a `Float16Array` (what
 * onnxruntime-web gives back where the runtime has one).
 */
export function halfOutput(data: unknown): Float32Array {
  if (data instanceof Uint16Array) return float32FromHalf(data);
  if (data instanceof Float32Array) throw new Error('a float16 output came back as float32');
  return Float32Array.from(data as ArrayLike<number>);
}

/** `X [N] → Y` in float16: an Identity, to see whether float16 tensors go in and come back unchanged. */
function identityHalfGraph(): Uint8Array {
  const g = graph('float16-identity');
  g.input('X', [2], 'float16');
  g.output('Y', [2], 'float16');
  g.node('Identity', ['X'], ['Y']);
  return g.encode(17);
}

const halfChecks = new WeakMap<OrtApi, Promise<boolean>>();

/**
 * Whether this runtime takes float16 tensors and gives them back, checked once with a one-node graph
 * (onnxruntime-node 1.30's binding reads a float16 tensor as empty under Node 24).
 */
export function float16FeedsWork(ort: OrtApi): Promise<boolean> {
  let check = halfChecks.get(ort);
  if (!check) {
    check = (async () => {
      try {
        const session = await ort.InferenceSession.create(identityHalfGraph());
        try {
          const X = new ort.Tensor('float16', Uint16Array.of(0x3c00, 0xc000), [2]) as never;
          const y = halfOutput((await session.run({ X })).Y!.data);
          return y[0] === 1 && y[1] === -2;
        } finally {
          await session.release();
        }
      } catch {
        return false;
      }
    })();
    halfChecks.set(ort, check);
  }
  return check;
}
