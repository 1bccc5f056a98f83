/**
 * Every engine the benchmark knows, as light descriptors: the attnkit backends (through their plugins)
 * and the peers (the engines called directly). Implementations are imported only when used.
 *
 * Shape legend for the memory estimates: B batch, H heads, S sequence length.
 */
import { resolveSpec } from '@attnkit/core';
import { attentionOptions, type BenchCase } from '../cases.js';
import type { EngineDescriptor } from '../engine.js';
import { maskBand } from '../inputs.js';
import { attnkitEngine, pluginFrom, type PluginLoader } from './attnkit-engine.js';

/**
 * Bytes of `copies` float32 score matrices `[B, H, S, S]`, plus the `[S, S]` masks: one for a masked
 * attention case, one per masked layer for an encoder.
 */
export function scoreMatrixBytes(c: BenchCase, copies: number): number {
  const square = 4 * c.seq * c.seq;
  if (c.kind === 'encoder') {
    const r = resolveSpec(c.spec);
    const masks = r.attention.filter((a) => maskBand(a) !== undefined).length;
    return square * (copies * c.batch * r.heads + masks);
  }
  return square * (copies * c.batch * c.heads + (maskBand(attentionOptions(c)) ? 1 : 0));
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

/** The TensorFlow.js ops peers (Node and browsers). */
export function tfjsPeerDescriptors(options: CatalogOptions = {}): EngineDescriptor[] {
  const opts = options.wasmPaths ? { wasmPaths: options.wasmPaths } : {};
  return (['wasm', 'cpu'] as const).map((backend) => ({
    id: `tfjs-${backend}-ops`,
    kind: 'peer' as const,
    description: `TensorFlow.js ops directly (tfjs-core + ${backend} backend): matMul, softmax, matMul; masks as an additive bias`,
    estimateBytes: (c: BenchCase) => scoreMatrixBytes(c, 4),
    load: async () => (await import('./tfjs-peer.js')).tfjsPeer(backend, opts),
  }));
}
