/**
 * Peer: onnxruntime-node called directly with a plain ONNX graph (Node only).
 */
import * as ort from 'onnxruntime-node';
import type { Engine } from '../engine.js';
import { cpuFloat16Unsupported, type OrtAttentionForm } from './ort-attention-graphs.js';
import { ortSessionPeer, type OrtApi } from './ort-session-peer.js';

/**
 * The onnxruntime-node peer in one graph form. Its CPU kernels are onnxruntime-web's WebAssembly ones:
 * float16 attention runs on the Attention operator (see `cpuFloat16Unsupported`).
 */
export function ortPeer(form: OrtAttentionForm): Engine {
  return ortSessionPeer(form, async () => ({
    ort: ort as unknown as OrtApi,
    info: { engine: 'onnxruntime-node', version: ort.env.versions.node ?? 'unknown', threads: 'default' },
    sessionOptions: {},
    float16: cpuFloat16Unsupported,
  }));
}
