/**
 * A compiled encoder: one ONNX Runtime session over the whole encoder graph, so one `run` is one session
 * call. A second session that also outputs the attention probabilities is created on the first run that
 * asks for them.
 *
 * Shape legend: B batch, S length, F input size, H heads, C classes.
 */
import type { CompiledModel, ModelRunOutput, ModelRunRequest, ResolvedSpec } from '@attnkit/core';
import type { InferenceSession } from 'onnxruntime-node';
import { encoderGraph } from './encoder-graph.js';
import type { OrtModule } from './runtime.js';

/** Compiles a validated spec and its weights into ONNX Runtime sessions. */
export async function compileEncoder(
  ort: OrtModule,
  sessionOptions: InferenceSession.SessionOptions,
  spec: ResolvedSpec,
  weights: ReadonlyMap<string, Float32Array>,
): Promise<CompiledModel> {
  const plain = await ort.InferenceSession.create(encoderGraph(spec, weights), sessionOptions);
  let withAttention: Promise<InferenceSession> | undefined;
  let released = false;

  async function run(req: ModelRunRequest): Promise<ModelRunOutput> {
    const { batch: B, length: S } = req;
    const feeds = {
      input: new ort.Tensor('float32', req.input, [B, S, spec.inputSize]),
      lengths: new ort.Tensor(
        'int64',
        BigInt64Array.from(req.lengths, (n) => BigInt(n)),
        [B],
      ),
    };
    if (req.attentionOf.length === 0) {
      const out = await plain.run(feeds, ['logits']);
      return { logits: out.logits!.data as Float32Array };
    }
    withAttention ??= ort.InferenceSession.create(
      encoderGraph(spec, weights, { attentionOutputs: true }),
      sessionOptions,
    );
    const session = await withAttention;
    const layers = [...new Set(req.attentionOf)];
    const out = await session.run(feeds, ['logits', ...layers.map((l) => `attention.${l}`)]);
    return {
      logits: out.logits!.data as Float32Array,
      attention: req.attentionOf.map((l) => out[`attention.${l}`]!.data as Float32Array),
    };
  }

  return {
    run,
    async dispose() {
      if (released) return;
      released = true;
      await plain.release();
      if (withAttention) await (await withAttention).release();
    },
  };
}
