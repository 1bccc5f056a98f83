/**
 * Peer: TensorFlow.js ops called directly (tfjs-core with the WebAssembly or CPU backend): attention as
 * `matMul`, `softmax`, `matMul` with an additive mask, and the encoder from the same ops. Runs in Node and
 * in browsers. Inputs are uploaded once per case; each timed run computes and reads the output back.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { peerUnsupported, type BenchCase } from '../cases.js';
import type { Engine } from '../engine.js';
import { bandBias, maskBias } from '../inputs.js';
import { attentionOps, opsEncoder, opsEncoderUnsupported } from './tfjs-ops.js';

/** Options of the TensorFlow.js peer. */
export interface TfjsPeerOptions {
  /** Where the WebAssembly backend's `.wasm` files are served from (browsers). */
  readonly wasmPaths?: string;
}

async function use(backend: 'wasm' | 'cpu', options: TfjsPeerOptions): Promise<void> {
  if (backend === 'wasm' && options.wasmPaths) setWasmPaths(options.wasmPaths);
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend "${backend}" failed to initialise`);
  await tf.ready();
}

/** The TensorFlow.js ops peer on one tfjs backend. */
export function tfjsPeer(backend: 'wasm' | 'cpu', options: TfjsPeerOptions = {}): Engine {
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
          return peerUnsupported(c) ?? (c.kind === 'encoder' ? opsEncoderUnsupported(c.spec) : undefined);
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
            const shape = inputs.q.shape as [number, number, number, number];
            const q = tf.tensor4d(inputs.q.data, shape);
            const k = tf.tensor4d(inputs.k.data, shape);
            const v = tf.tensor4d(inputs.v.data, shape);
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
