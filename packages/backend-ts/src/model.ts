/**
 * The transformer encoder on the TypeScript kernels. Semantics: `@attnkit/core` model spec.
 *
 * Shape legend: B batch, S length, F input size, d dModel, H/Hkv heads, Dh head size, C classes.
 * Memory: O(B·S·max(d, chunk·ffn)) — the feed-forward hidden layer is computed in row chunks, and
 * attention never builds an S×S matrix unless a layer's weights are requested.
 */
import {
  embedTokens,
  layerAttentionOptions,
  pack,
  prepareAttention,
  type AttentionProblem,
  type CompiledModel,
  type ModelWeights,
  type ModelRunOutput,
  type ModelRunRequest,
  type ProgressSink,
  type ResolvedSpec,
} from '@attnkit/core';
import { attentionWithWeights } from './attention-kernel.js';
import { activate, addSinusoid, layerNorm, rope, splitHeads, type Linear, type LinearHalves } from './layers.js';
import { float32Prefix, holdWeights, qkvRows, runWeights } from './model-weights.js';

/**
 * The operations a compiled model runs on: the backend's fastest attention and dense layers, and the GELU
 * and layer norm when the backend has faster ones than layers.ts's.
 */
export interface ModelOps {
  readonly attend: (p: AttentionProblem) => Promise<Float32Array>;
  readonly linear: Linear;
  /** Dense layers on a float16 model's matrices as held (else they are widened in JavaScript for `linear`). */
  readonly linearHalves?: LinearHalves;
  readonly gelu?: (x: Float32Array) => void;
  readonly layerNorm?: typeof layerNorm;
}

/** Rows of the feed-forward hidden layer computed at once. */
const FFN_CHUNK = 4096;

/**
 * Compiles a validated spec: the weights stay resident, in the model's dtype (see `model-weights.ts`);
 * `run` may be called many times.
 */
export function compileModel(spec: ResolvedSpec, weights: ModelWeights, ops: ModelOps): CompiledModel {
  const { attend, linear, linearHalves } = ops;
  const norm = ops.layerNorm ?? layerNorm;
  const act = (x: Float32Array): void =>
    spec.activation === 'gelu' && ops.gelu ? ops.gelu(x) : activate(x, spec.activation);
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh, ffnSize: Fh, inputSize: F } = spec;
  const C = spec.output.classes;
  const kept = holdWeights(spec, weights);
  const qkvWidth = qkvRows(spec);

  async function run(req: ModelRunRequest, progress?: ProgressSink): Promise<ModelRunOutput> {
    const { batch: B, length: S, lengths } = req;
    const R = B * S;
    const { vector: w, held, dense } = runWeights(kept, linear, linearHalves);
    let h = req.tokens ? embedTokens(req.tokens, held('embedding.table'), d) : dense(req.input, R, F, 'input', d);
    if (spec.positional.kind === 'sinusoidal') addSinusoid(h, B, S, d);
    if (spec.positional.kind === 'learned') {
      // Only the rows this run needs.
      const table = float32Prefix(held('positional.table'), S * d);
      for (let b = 0; b < B; b++) for (let i = 0; i < S * d; i++) h[b * S * d + i]! += table[i]!;
    }
    const attention: Float32Array[] = [];
    const tmp = new Float32Array(R * d);
    const mha = async (x: Float32Array, l: number, into: Float32Array, accumulate: boolean): Promise<void> => {
      const p = `layers.${l}.attention.`;
      const proj = dense(x, R, d, `${p}qkv`, qkvWidth);
      const q = splitHeads(proj, B, S, H, Dh, qkvWidth, 0);
      const k = splitHeads(proj, B, S, Hkv, Dh, qkvWidth, H * Dh);
      const v = splitHeads(proj, B, S, Hkv, Dh, qkvWidth, (H + Hkv) * Dh);
      if (spec.positional.kind === 'rope') {
        const base = spec.positional.base ?? 10000;
        rope(q, B * H, S, Dh, base);
        rope(k, B * Hkv, S, Dh, base);
      }
      const want = req.attentionOf.indexOf(l);
      const problem = prepareAttention(
        { shape: [B, H, S, Dh], data: q },
        { shape: [B, Hkv, S, Dh], data: k },
        { shape: [B, Hkv, S, Dh], data: v },
        {
          ...layerAttentionOptions(
            spec,
            l,
            { lengths, padded: req.padded, graph: req.graph, length: S },
            spec.attention[l]!.relevance === 'additive' ? w(`${p}additive.weight`) : undefined,
          ),
          attentionMap: want >= 0 ? 'probs' : 'none',
        },
      );
      let o: Float32Array;
      if (want >= 0) {
        const r = attentionWithWeights(problem);
        o = r.output;
        // Requested twice? Each position in attentionOf gets the same layer's weights.
        req.attentionOf.forEach((layerIndex, n) => {
          if (layerIndex === l) attention[n] = r.attentionMap!;
        });
      } else {
        o = await attend(problem);
      }
      dense(pack(o, B, H, S, Dh), R, H * Dh, `${p}output`, d, into, accumulate);
    };
    const ffn = (x: Float32Array, l: number, into: Float32Array, accumulate: boolean): void => {
      const p = `layers.${l}.ffn.`;
      for (let r0 = 0; r0 < R; r0 += FFN_CHUNK) {
        const rows = Math.min(FFN_CHUNK, R - r0);
        const hidden = dense(x.subarray(r0 * d, (r0 + rows) * d), rows, d, `${p}hidden`, Fh);
        act(hidden);
        dense(hidden, rows, Fh, `${p}output`, d, into.subarray(r0 * d, (r0 + rows) * d), accumulate);
      }
    };
    const eps = spec.normEpsilon;
    for (let l = 0; l < spec.layers; l++) {
      const n1 = `layers.${l}.norm1`,
        n2 = `layers.${l}.norm2`;
      if (spec.norm === 'pre') {
        await mha(norm(h, R, d, w(`${n1}.weight`), w(`${n1}.bias`), eps, tmp), l, h, true);
        ffn(norm(h, R, d, w(`${n2}.weight`), w(`${n2}.bias`), eps, tmp), l, h, true);
      } else {
        await mha(h, l, h, true);
        norm(h, R, d, w(`${n1}.weight`), w(`${n1}.bias`), eps, h);
        ffn(h, l, tmp, false);
        for (let i = 0; i < h.length; i++) h[i]! += tmp[i]!;
        norm(h, R, d, w(`${n2}.weight`), w(`${n2}.bias`), eps, h);
      }
      progress?.((l + 1) / spec.layers);
    }
    if (spec.norm === 'pre') h = norm(h, R, d, w('final_norm.weight'), w('final_norm.bias'), eps, tmp);
    if (spec.output.kind === 'pooled') {
      const pooled = new Float32Array(B * d);
      for (let b = 0; b < B; b++) {
        const n = lengths[b]!;
        const acc = new Float64Array(d);
        for (let s = 0; s < n; s++) for (let c = 0; c < d; c++) acc[c]! += h[(b * S + s) * d + c]!;
        for (let c = 0; c < d; c++) pooled[b * d + c] = acc[c]! / n;
      }
      return { logits: dense(pooled, B, d, 'head', C), attention };
    }
    const logits = dense(h, R, d, 'head', C);
    for (let b = 0; b < B; b++) logits.fill(0, (b * S + lengths[b]!) * C, (b + 1) * S * C);
    return { logits, attention };
  }

  return { run, weightBytes: kept.bytes };
}
