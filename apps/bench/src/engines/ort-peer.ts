/**
 * Peer: onnxruntime-node called directly with a plain ONNX graph (Node only). The session is created once
 * per case (that is preparation); each timed run is one `session.run` with the inputs as tensors.
 */
import * as ort from 'onnxruntime-node';
import { peerUnsupported, type BenchCase } from '../cases.js';
import type { Engine } from '../engine.js';
import { maskBias } from '../inputs.js';
import { attentionGraph, type OrtAttentionForm } from './ort-attention-graphs.js';
import { encoderGraph, encoderGraphUnsupported } from './ort-encoder-graph.js';

/** The onnxruntime-node peer in one graph form. */
export function ortPeer(form: OrtAttentionForm): Engine {
  return {
    async probe() {
      return { available: true, reason: `onnxruntime-node ${ort.env.versions.node ?? ''}`.trim() };
    },
    async open() {
      return {
        info: {
          engine: 'onnxruntime-node',
          version: ort.env.versions.node ?? 'unknown',
          graph: form,
          threads: 'default',
        },
        unsupported(c: BenchCase) {
          const peer = peerUnsupported(c);
          if (peer) return peer;
          if (c.kind !== 'encoder') return undefined;
          if (form === 'attention-op')
            return 'the encoder peer is written once, as a MatMul/Softmax graph (engine ort-matmul)';
          return encoderGraphUnsupported(c.spec);
        },
        async prepare(c, inputs) {
          const feeds: Record<string, ort.Tensor> = {};
          let bytes: Uint8Array;
          if (c.kind === 'encoder' && inputs.kind === 'encoder') {
            bytes = encoderGraph(c.spec, inputs.weights, c.batch, c.seq);
            feeds.input = new ort.Tensor('float32', inputs.input.data, [...inputs.input.shape]);
          } else if (c.kind === 'attention' && inputs.kind === 'attention') {
            const g = attentionGraph(c, form);
            bytes = g.bytes;
            const dims = [...inputs.q.shape];
            feeds.Q = new ort.Tensor('float32', inputs.q.data, dims);
            feeds.K = new ort.Tensor('float32', inputs.k.data, dims);
            feeds.V = new ort.Tensor('float32', inputs.v.data, dims);
            if (g.takesBias) feeds.Bias = new ort.Tensor('float32', maskBias(c)!, [c.seq, c.seq]);
          } else {
            throw new Error(`inputs of kind ${inputs.kind} do not fit case ${c.id}`);
          }
          const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
          const output = session.outputNames[0]!;
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
