/**
 * The engines of a Node run: every attnkit backend, the onnxruntime-node and onnxruntime-web peers and the
 * TensorFlow.js peers.
 */
import type { EngineDescriptor } from '../engine.js';
import { availableParallelism } from 'node:os';
import { attnkitDescriptors, ortWebPeerDescriptors, scoreMatrixBytes, tfjsPeerDescriptors } from './catalog.js';

/** The onnxruntime-node peers (Node only). */
export function ortPeerDescriptors(): EngineDescriptor[] {
  return [
    {
      id: 'ort-matmul',
      kind: 'peer',
      description: 'onnxruntime-node directly, plain graph: MatMul, Softmax, MatMul; masks as an additive bias input',
      estimateBytes: (c) => scoreMatrixBytes(c, 3),
      load: async () => (await import('./ort-peer.js')).ortPeer('matmul'),
    },
    {
      id: 'ort-attention',
      kind: 'peer',
      description:
        'onnxruntime-node directly, the standard ONNX Attention operator (opset 23); window masks as attn_mask',
      estimateBytes: (c) => scoreMatrixBytes(c, 2),
      load: async () => (await import('./ort-peer.js')).ortPeer('attention-op'),
    },
  ];
}

/** Every engine that can run in Node, in table order. */
export function nodeCatalog(): EngineDescriptor[] {
  return [
    ...attnkitDescriptors(),
    ...ortPeerDescriptors(),
    ...ortWebPeerDescriptors({ threads: availableParallelism() }),
    ...tfjsPeerDescriptors(),
  ];
}
