/**
 * Compiled encoders: the weights live as tfjs tensors on the backend's tfjs backend until `dispose` (linear
 * weights transposed, see `weight-layout.ts`); each run builds its graph in one scope and disposes
 * everything but the outputs it reads back.
 *
 * Shape legend: B batch, S length, F input size, H heads, C classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { weightShapes, type CompiledModel, type ResolvedSpec } from '@attnkit/core';
import { encoderForward, type EncoderSettings } from './encoder.js';
import { withRuntime } from './tfjs-runtime.js';
import { toTfjsLayout } from './weight-layout.js';

/** Uploads validated weights and returns a model that runs on `settings.tfjsBackend`. */
export async function compileModel(
  settings: EncoderSettings,
  spec: ResolvedSpec,
  weights: ReadonlyMap<string, Float32Array>,
): Promise<CompiledModel> {
  // Copies in any case: the cpu backend would otherwise keep a reference to the caller's arrays.
  const params = await withRuntime(
    settings.tfjsBackend,
    () =>
      new Map(
        [...weightShapes(spec)].map(([name, shape]) => {
          const w = toTfjsLayout(name, shape, weights.get(name)!);
          return [name, tf.tensor(w.data, w.shape)];
        }),
      ),
  );
  let disposed = false;
  return {
    async run(req) {
      const outputs = await withRuntime(settings.tfjsBackend, () =>
        tf.tidy(() => {
          const input = tf.tensor3d(req.input, [req.batch, req.length, spec.inputSize]);
          const r = encoderForward(
            spec,
            (name) => params.get(name)!,
            input,
            req.lengths,
            req.attentionOf,
            settings,
            req.graph,
          );
          return [r.logits, ...r.attention];
        }),
      );
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
