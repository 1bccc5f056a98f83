/**
 * A compiled encoder: one ONNX Runtime session over the whole encoder graph, so one `run` is one session
 * call. A second session that also outputs the attention probabilities is created on the first run that
 * asks for them.
 *
 * Shape legend: B batch, S length, F input size, H heads, C classes.
 */
import {
  graphVisibility,
  type CompiledModel,
  type ModelRunOutput,
  type ModelRunRequest,
  type ModelWeights,
  type ResolvedSpec,
} from '@attnkit/core';
import type { InferenceSession } from 'onnxruntime-node';
import { encoderGraph } from './encoder-graph.js';
import type { OrtModule } from './runtime.js';

/**
 * ONNX Runtime's graph optimizers that would turn a float16 model's weights back into float32 copies:
 * constant folding evaluates each weight's `Cast` once and keeps the float32 result as a new initializer
 * (the float16 one is then dropped), and `FuseFp16InitializerToFp32NodeTransformer` does the same to a
 * float16 initializer feeding a float32 node. Seen with onnxruntime-node 1.30 on a model written out after
 * optimization (`optimizedModelFilePath`): with either one on, the weights are float32 initializers.
 */
export const HALF_WEIGHT_FOLDERS = ['ConstantFolding', 'FuseFp16InitializerToFp32NodeTransformer'] as const;

/** Session options for a model's weights in `dtype`: a float16 model's sessions keep its weights float16. */
export function encoderSessionOptions(
  base: InferenceSession.SessionOptions,
  dtype: ModelWeights['dtype'],
): InferenceSession.SessionOptions {
  if (dtype === 'float32') return base;
  return { ...base, extra: { optimization: { disable_specified_optimizers: HALF_WEIGHT_FOLDERS.join(';') } } };
}

/** Compiles a validated spec and its weights into ONNX Runtime sessions. */
export async function compileEncoder(
  ort: OrtModule,
  baseOptions: InferenceSession.SessionOptions,
  spec: ResolvedSpec,
  weights: ModelWeights,
): Promise<CompiledModel> {
  const sessionOptions = encoderSessionOptions(baseOptions, weights.dtype);
  // What this backend holds for the weights: core's copies, kept to build the other sessions on demand, and
  // the session's initializers, which hold the same values (transposed and fused in a float16 graph).
  // ONNX Runtime's own copies and packings of them are its business, out of sight here.
  let weightBytes = 0;
  for (const a of weights.values()) weightBytes += 2 * a.byteLength;
  const plain = await ort.InferenceSession.create(encoderGraph(spec, weights), sessionOptions);
  // The other variants (attention outputs, a graph input) are built on the first run that needs them.
  const variants = new Map<string, Promise<InferenceSession>>();
  const variant = (attentionOutputs: boolean, graph: boolean): Promise<InferenceSession> => {
    const key = `${+attentionOutputs}${+graph}`;
    let v = variants.get(key);
    if (!v) {
      v = ort.InferenceSession.create(encoderGraph(spec, weights, { attentionOutputs, graph }), sessionOptions);
      variants.set(key, v);
    }
    return v;
  };
  let released = false;

  async function run(req: ModelRunRequest): Promise<ModelRunOutput> {
    const { batch: B, length: S } = req;
    const feeds: Record<string, InstanceType<OrtModule['Tensor']>> = {
      input: new ort.Tensor('float32', req.input, [B, S, spec.inputSize]),
      lengths: new ort.Tensor(
        'int64',
        BigInt64Array.from(req.lengths, (n) => BigInt(n)),
        [B],
      ),
    };
    if (req.graph) {
      const m = graphVisibility(req.graph, S);
      feeds.graph = new ort.Tensor('bool', m.data, m.shape);
    }
    if (req.attentionOf.length === 0 && !req.graph) {
      const out = await plain.run(feeds, ['logits']);
      return { logits: out.logits!.data as Float32Array };
    }
    const session = await variant(req.attentionOf.length > 0, req.graph !== undefined);
    if (req.attentionOf.length === 0) {
      const out = await session.run(feeds, ['logits']);
      return { logits: out.logits!.data as Float32Array };
    }
    const layers = [...new Set(req.attentionOf)];
    const out = await session.run(feeds, ['logits', ...layers.map((l) => `attention.${l}`)]);
    return {
      logits: out.logits!.data as Float32Array,
      attention: req.attentionOf.map((l) => out[`attention.${l}`]!.data as Float32Array),
    };
  }

  return {
    run,
    weightBytes,
    async dispose() {
      if (released) return;
      released = true;
      await plain.release();
      for (const v of variants.values()) await (await v).release();
    },
  };
}
