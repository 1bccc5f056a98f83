/**
 * Peer: TensorFlow.js ops called directly (tfjs-core with the WebAssembly or CPU backend): attention as
 * `matMul`, `softmax`, `matMul` with an additive mask, and the encoder from the same ops. Runs in Node and
 * in browsers. Inputs are uploaded once per case; each timed run computes and reads the output back.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { keyValueHeads, peerUnsupported, type BenchCase } from '../cases.js';
import type { Engine } from '../engine.js';
import { bandBias, maskBias } from '../inputs.js';
import { attentionOps, opsEncoder, opsEncoderUnsupported } from './tfjs-ops.js';

/** Options of the TensorFlow.js peer. */
export interface TfjsPeerOptions {
  /** Where the WebAssembly backend's `.wasm` files are served from (browsers). */
  readonly wasmPaths?: string;
}

/** The TensorFlow.js backends the peer runs on (webgpu and webgl in browsers). */
export type TfjsPeerBackend = 'wasm' | 'cpu' | 'webgpu' | 'webgl';

async function use(backend: TfjsPeerBackend, options: TfjsPeerOptions): Promise<void> {
  if (backend === 'wasm' && options.wasmPaths) setWasmPaths(options.wasmPaths);
  // The GPU backends register themselves when imported; only pages load them.
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (backend === 'webgl') await import('@tensorflow/tfjs-backend-webgl');
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend "${backend}" failed to initialise`);
  await tf.ready();
}

/** The TensorFlow.js ops peer on one tfjs backend. */
export function tfjsPeer(backend: TfjsPeerBackend, options: TfjsPeerOptions = {}): Engine {
  return {
    async probe() {
      try {
        await use(backend, options);
        return { available: true, reason: `TensorFlow.js ${tf.version_core} (${backend})` };
      } catch (e) {
        return { available: false, reason: e instanceof Error ? e.message : String(e) };
      }
    },
    async open() {
      await use(backend, options);
      return {
        info: { engine: 'TensorFlow.js', version: tf.version_core, backend },
        unsupported(c: BenchCase) {
          const peer = peerUnsupported(c);
          if (peer) return peer;
          if (c.kind === 'encoder') return opsEncoderUnsupported(c.spec);
          if (c.steps !== undefined)
            return 'decoding through a cache is measured on onnxruntime-web (ortweb-wasm); TensorFlow.js has no cache operator';
          if (keyValueHeads(c) !== c.heads && c.mask !== 'none') return 'the ops peer has no masked grouped heads';
          return undefined;
        },
        async prepare(c, inputs) {
          if (c.kind === 'encoder' && inputs.kind === 'encoder') {
            const model = opsEncoder(c.spec, inputs.weights, c.seq, (band) => bandBias(c.seq, band));
            const x = tf.tensor3d(inputs.input.data, inputs.input.shape as [number, number, number]);
            return {
              async run() {
                const y = model.run(x);
                try {
                  return (await y.data()) as Float32Array;
                } finally {
                  y.dispose();
                }
              },
              async dispose() {
                x.dispose();
                model.dispose();
              },
            };
          }
          if (c.kind === 'attention' && inputs.kind === 'attention') {
            // Grouped heads as a user writes them: the G query heads of a key/value head become G·Sq rows.
            const [B, Hq, Sq, D] = inputs.q.shape as [number, number, number, number];
            const kvShape = inputs.k.shape as [number, number, number, number];
            const Hkv = kvShape[1];
            const q = tf.tensor4d(inputs.q.data, [B, Hkv, (Hq / Hkv) * Sq, D]);
            const k = tf.tensor4d(inputs.k.data, kvShape);
            const v = tf.tensor4d(inputs.v.data, kvShape);
            const b = maskBias(c);
            const bias = b ? tf.tensor2d(b, [c.seq, c.seq]) : undefined;
            const scale = 1 / Math.sqrt(c.headDim);
            return {
              async run() {
                const y = attentionOps(q, k, v, scale, bias);
                try {
                  return (await y.data()) as Float32Array;
                } finally {
                  y.dispose();
                }
              },
              async dispose() {
                for (const t of [q, k, v, bias]) t?.dispose();
              },
            };
          }
          throw new Error(`inputs of kind ${inputs.kind} do not fit case ${c.id}`);
        },
        async dispose() {},
      };
    },
  };
}
