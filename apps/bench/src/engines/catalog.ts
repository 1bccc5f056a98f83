/**
 * Every engine the benchmark knows, as light descriptors: the attnkit backends (through their plugins)
 * and the peers (the engines called directly). Implementations are imported only when used.
 *
 * Shape legend for the memory estimates: B batch, H heads, S sequence length.
 */
import { resolveSpec } from '@attnkit/core';
import { attentionOptions, queryLength, type BenchCase } from '../cases.js';
import type { EngineDescriptor } from '../engine.js';
import { maskBand } from '../inputs.js';
import { attnkitEngine, pluginFrom, type PluginLoader } from './attnkit-engine.js';

/**
 * Bytes of `copies` float32 score matrices `[B, H, Sq, S]`, plus the `[S, S]` masks: one for a masked
 * attention case, one per masked layer for an encoder.
 */
export function scoreMatrixBytes(c: BenchCase, copies: number): number {
  if (c.kind === 'attention') {
    const mask = maskBand(attentionOptions(c)) ? 4 * c.seq * c.seq : 0;
    return 4 * queryLength(c) * c.seq * copies * c.batch * c.heads + mask;
  }
  const r = resolveSpec(c.spec);
  const masks = r.attention.filter((a) => maskBand(a) !== undefined).length;
  return 4 * c.seq * c.seq * (copies * c.batch * r.heads + masks);
}

/** An attnkit backend engine. */
export function attnkitDescriptor(
  id: string,
  description: string,
  load: PluginLoader,
  createOptions?: unknown,
): EngineDescriptor {
  return { id, kind: 'attnkit', description, load: async () => attnkitEngine(load, createOptions) };
}

/** Options that differ between Node and browsers. */
export interface CatalogOptions {
  /** Where the TensorFlow.js wasm files are served (browsers). */
  readonly wasmPaths?: string;
  /** How to load each attnkit backend package (browsers pass bundled modules). */
  readonly plugins?: Partial<Record<'ts' | 'onnx' | 'tfjs' | 'webgpu', PluginLoader>>;
}

/** The attnkit backends: `ts`, `onnx`, `tfjs-wasm`, `tfjs-cpu`, `webgpu`. */
export function attnkitDescriptors(options: CatalogOptions = {}): EngineDescriptor[] {
  const p = options.plugins ?? {};
  const tfjs = p.tfjs ?? pluginFrom('@attnkit/backend-tfjs');
  const wasmPaths = options.wasmPaths ? { wasmPaths: options.wasmPaths } : {};
  return [
    attnkitDescriptor(
      'ts',
      'attnkit backend-ts: tiled online-softmax attention in TypeScript',
      p.ts ?? pluginFrom('@attnkit/backend-ts'),
    ),
    attnkitDescriptor(
      'onnx',
      'attnkit backend-onnx: onnxruntime-node graphs built by attnkit',
      p.onnx ?? pluginFrom('@attnkit/backend-onnx'),
    ),
    attnkitDescriptor('tfjs-wasm', 'attnkit backend-tfjs on the TensorFlow.js WebAssembly backend', tfjs, {
      backend: 'wasm',
      ...wasmPaths,
    }),
    attnkitDescriptor('tfjs-cpu', 'attnkit backend-tfjs on the TensorFlow.js CPU backend (plain JavaScript)', tfjs, {
      backend: 'cpu',
    }),
    attnkitDescriptor(
      'webgpu',
      'attnkit backend-webgpu: WGSL kernels on the WebGPU adapter',
      p.webgpu ?? pluginFrom('@attnkit/backend-webgpu'),
    ),
  ];
}

/** How an onnxruntime-web peer is set up. */
export interface OrtWebCatalogOptions {
  /** WebAssembly threads: the same as backend-ts's default (the hardware threads). */
  readonly threads: number;
  /** Where onnxruntime-web's `.wasm`/`.mjs` files are served (browsers). */
  readonly wasmPaths?: string;
  /** Whether to add the WebGPU execution provider's peer (browsers). */
  readonly webgpu?: boolean;
}

const ORTWEB_FORMS = [
  [
    '',
    'attention-op',
    'the standard ONNX Attention operator (opset 23); decoding through a cache: com.microsoft GroupQueryAttention with a past of fixed capacity',
    2,
  ],
  ['-mha', 'mha', 'com.microsoft MultiHeadAttention', 2],
  ['-gqa', 'gqa', 'com.microsoft GroupQueryAttention (decode steps: past cache + one new token)', 2],
  ['-matmul', 'matmul', 'a plain graph: MatMul, Softmax, MatMul', 3],
] as const;

/**
 * The onnxruntime-web peers: `ortweb-wasm` (the opset-23 Attention operator), `ortweb-wasm-mha`,
 * `ortweb-wasm-gqa`, `ortweb-wasm-matmul` on the WebAssembly execution provider (SIMD, threaded), and in
 * browsers `ortweb-webgpu` (MultiHeadAttention on the WebGPU execution provider: the Attention operator
 * has no WebGPU kernel there) and `ortweb-webgpu-matmul` (the MatMul/Softmax graphs there, the encoder's
 * included).
 */
export function ortWebPeerDescriptors(options: OrtWebCatalogOptions): EngineDescriptor[] {
  const web = { threads: options.threads, ...(options.wasmPaths ? { wasmPaths: options.wasmPaths } : {}) };
  const wasm: EngineDescriptor[] = ORTWEB_FORMS.map(([suffix, form, what, copies]) => ({
    id: `ortweb-wasm${suffix}`,
    kind: 'peer' as const,
    description: `onnxruntime-web directly, WebAssembly execution provider (SIMD, ${options.threads} threads): ${what}`,
    estimateBytes: (c: BenchCase) => scoreMatrixBytes(c, copies),
    load: async () => (await import('./ortweb-peer.js')).ortWebPeer(form, { provider: 'wasm', ...web }),
  }));
  if (!options.webgpu) return wasm;
  return [
    ...wasm,
    {
      id: 'ortweb-webgpu',
      kind: 'peer',
      description: 'onnxruntime-web directly, WebGPU execution provider: com.microsoft MultiHeadAttention',
      estimateBytes: (c: BenchCase) => scoreMatrixBytes(c, 2),
      load: async () => (await import('./ortweb-peer.js')).ortWebPeer('mha', { provider: 'webgpu', ...web }),
    },
    {
      id: 'ortweb-webgpu-matmul',
      kind: 'peer',
      description:
        'onnxruntime-web directly, WebGPU execution provider: a plain graph (MatMul, Softmax, MatMul), and the encoder',
      estimateBytes: (c: BenchCase) => scoreMatrixBytes(c, 3),
      load: async () => (await import('./ortweb-peer.js')).ortWebPeer('matmul', { provider: 'webgpu', ...web }),
    },
  ];
}

/** The TensorFlow.js ops peers: wasm and cpu (Node and browsers), and with `gpu` webgpu and webgl (browsers). */
export function tfjsPeerDescriptors(options: CatalogOptions & { gpu?: boolean } = {}): EngineDescriptor[] {
  const opts = options.wasmPaths ? { wasmPaths: options.wasmPaths } : {};
  const backends = options.gpu ? (['wasm', 'cpu', 'webgpu', 'webgl'] as const) : (['wasm', 'cpu'] as const);
  return backends.map((backend) => ({
    id: `tfjs-${backend}-ops`,
    kind: 'peer' as const,
    description: `TensorFlow.js ops directly (tfjs-core + ${backend} backend): matMul, softmax, matMul; masks as an additive bias`,
    estimateBytes: (c: BenchCase) => scoreMatrixBytes(c, 4),
    load: async () => (await import('./tfjs-peer.js')).tfjsPeer(backend, opts),
  }));
}
