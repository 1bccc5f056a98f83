/**
 * Compiled encoders: the weights live as tfjs tensors on the backend's engine until `dispose`; each run
 * builds its graph in one scope and disposes everything but the outputs it reads back.
 *
 * Shape legend: B batch, S length, F input size, H heads, C classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { weightShapes, type CompiledModel, type ResolvedSpec } from '@attnkit/core';
import { encoderForward } from './encoder.js';
import { withEngine, type TfjsEngineName } from './engine.js';

/** Uploads validated weights and returns a model that runs on tfjs backend `engine`. */
export async function compileModel(engine: TfjsEngineName, spec: ResolvedSpec, weights: ReadonlyMap<string, Float32Array>): Promise<CompiledModel> {
  // Copies: the cpu backend would otherwise keep a reference to the caller's arrays.
  const params = await withEngine(engine, () => new Map([...weightShapes(spec)].map(([name, shape]) => [name, tf.tensor(weights.get(name)!.slice(), [...shape])])));
  let disposed = false;
  return {
    async run(req) {
      const outputs = await withEngine(engine, () => tf.tidy(() => {
        const input = tf.tensor3d(req.input, [req.batch, req.length, spec.inputSize]);
        const r = encoderForward(spec, (name) => params.get(name)!, input, req.lengths, req.attentionOf);
        return [r.logits, ...r.attention];
      }));
      try {
        const data = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
        return req.attentionOf.length > 0 ? { logits: data[0]!, attention: data.slice(1) } : { logits: data[0]! };
      } finally {
        for (const t of outputs) t.dispose();
      }
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const t of params.values()) t.dispose();
    },
  };
}
