/**
 * Peer: onnxruntime-web called directly with a plain ONNX graph, on its WebAssembly execution provider
 * (Node and browsers; SIMD, threaded with as many threads as backend-ts uses) or its WebGPU execution
 * provider (browsers).
 *
 * float16 attention: the WebAssembly provider (onnxruntime's CPU kernels) has a float16 kernel for the
 * standard Attention operator (its matrix products widen to float32 and narrow the scores, weights and output
 * to float16), so `ortweb-wasm` runs float16 cases; for MultiHeadAttention it has none, and the session would
 * insert casts to float32 around it, so `ortweb-wasm-mha` is no float16 peer. The WebGPU provider's
 * MultiHeadAttention runs float16 where the adapter has `shader-f16`; without it (a software adapter) its
 * float16 shaders cannot compile, and `ortweb-webgpu` reports float16 cases unsupported with that reason.
 */
import * as ort from 'onnxruntime-web';
import type { Engine } from '../engine.js';
import { cpuFloat16Unsupported, webgpuFloat16Unsupported, type OrtAttentionForm } from './ort-attention-graphs.js';
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
      let shaderF16 = false;
      if (options.provider === 'webgpu') {
        type Adapter = { readonly features: { has(name: string): boolean } };
        const gpu = (globalThis as { navigator?: { gpu?: { requestAdapter(): Promise<Adapter | null> } } }).navigator
          ?.gpu;
        const adapter = gpu ? await gpu.requestAdapter() : null;
        if (!adapter) throw new Error('no WebGPU adapter (navigator.gpu)');
        shaderF16 = adapter.features.has('shader-f16');
      }
      return {
        ort: ort as unknown as OrtApi,
        info: {
          engine: 'onnxruntime-web',
          version: ort.env.versions.web ?? 'unknown',
          provider: options.provider,
          threads: options.threads,
          ...(options.provider === 'webgpu' ? { shaderF16 } : {}),
        },
        sessionOptions: { executionProviders: [options.provider] },
        float16: (f) =>
          options.provider === 'webgpu' ? webgpuFloat16Unsupported(f, shaderF16) : cpuFloat16Unsupported(f),
      };
    },
    { cacheDecode },
  );
}
