/**
 * Peer: onnxruntime-web called directly with a plain ONNX graph, on its WebAssembly execution provider
 * (Node and browsers; SIMD, threaded with as many threads as backend-ts uses) or its WebGPU execution
 * provider (browsers).
 */
import * as ort from 'onnxruntime-web';
import type { Engine } from '../engine.js';
import type { OrtAttentionForm } from './ort-attention-graphs.js';
import { ortSessionPeer, type OrtApi } from './ort-session-peer.js';

/** Options of the onnxruntime-web peer. */
export interface OrtWebPeerOptions {
  /** `wasm` or `webgpu` (browsers only). */
  readonly provider: 'wasm' | 'webgpu';
  /** WebAssembly threads: backend-ts's default, the hardware threads. */
  readonly threads: number;
  /** Where its `.wasm` and `.mjs` files are served from (browsers). */
  readonly wasmPaths?: string;
}

/**
 * The onnxruntime-web peer in one graph form. The WebAssembly provider's Attention-operator peer
 * (`ortweb-wasm`) also decodes through a cache, with GroupQueryAttention (see `cacheGraph`).
 */
export function ortWebPeer(form: OrtAttentionForm, options: OrtWebPeerOptions): Engine {
  const cacheDecode = options.provider === 'wasm' && form === 'attention-op';
  return ortSessionPeer(
    form,
    async () => {
      // Global settings, read when the first session starts the WebAssembly runtime.
      ort.env.wasm.numThreads = options.threads;
      ort.env.wasm.simd = true;
      if (options.wasmPaths) ort.env.wasm.wasmPaths = options.wasmPaths;
      if (options.provider === 'webgpu') {
        const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<unknown> } } }).navigator?.gpu;
        if (!gpu || !(await gpu.requestAdapter())) throw new Error('no WebGPU adapter (navigator.gpu)');
      }
      return {
        ort: ort as unknown as OrtApi,
        info: {
          engine: 'onnxruntime-web',
          version: ort.env.versions.web ?? 'unknown',
          provider: options.provider,
          threads: options.threads,
        },
        sessionOptions: { executionProviders: [options.provider] },
      };
    },
    { cacheDecode },
  );
}
