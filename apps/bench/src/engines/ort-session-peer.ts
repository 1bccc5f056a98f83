/**
 * A peer that runs plain ONNX graphs on an ONNX Runtime JavaScript API (onnxruntime-node, or
 * onnxruntime-web's WebAssembly or WebGPU execution provider). The session is created once per case
 * (that is preparation); each timed run is one `session.run` with the inputs as tensors.
 *
 * Shape legend: B batch, Hq/Hkv heads, S key length, D head size.
 */
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

/** The part of an ONNX Runtime JavaScript API the peer uses (`onnxruntime-node` and `onnxruntime-web` both fit). */
export interface OrtApi {
  readonly Tensor: new (type: 'float32' | 'int32', data: Float32Array | Int32Array, dims: readonly number[]) => unknown;
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
      const { ort, info, sessionOptions } = await ready();
      const tensor = (data: Float32Array | Int32Array, dims: readonly number[]): never =>
        new ort.Tensor(data instanceof Int32Array ? 'int32' : 'float32', data, dims) as never;
      return {
        info: { ...info, graph: form },
        unsupported(c: BenchCase) {
          const peer = peerUnsupported(c);
          if (peer) return peer;
          if (c.kind === 'attention' && c.steps !== undefined)
            return peerOptions.cacheDecode
              ? gqaUnsupported(c)
              : 'decoding through a cache is measured on onnxruntime-web (ortweb-wasm): GroupQueryAttention with a past of fixed capacity';
          if (c.kind === 'attention') return attentionGraphUnsupported(c, form);
          if (form !== 'matmul')
            return 'the encoder peer is written once, as a MatMul/Softmax graph (engines ort-matmul, ortweb-wasm-matmul)';
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
              feeds.Q = tensor(inputs.q.data, inputs.q.shape);
              feeds.K = tensor(inputs.k.data, inputs.k.shape);
              feeds.V = tensor(inputs.v.data, inputs.v.shape);
              if (g.takesBias) feeds.Bias = tensor(maskBias(c)!, [c.seq, c.seq]);
            }
          } else {
            throw new Error(`inputs of kind ${inputs.kind} do not fit case ${c.id}`);
          }
          const session = await ort.InferenceSession.create(bytes, {
            graphOptimizationLevel: 'all',
            ...sessionOptions,
          });
          return {
            async run() {
              const r = await session.run(feeds);
              return r[output]!.data as Float32Array;
            },
            dispose: () => session.release(),
          };
        },
        async dispose() {},
      };
    },
  };
}
