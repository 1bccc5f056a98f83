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
  type ModelRunOutput,
  type ModelRunRequest,
  type ProgressSink,
  type ResolvedSpec,
} from '@attnkit/core';
import { attentionWithWeights } from './attention-kernel.js';
import { activate, addSinusoid, layerNorm, rope, splitHeads, type Linear } from './layers.js';

/** The operations a compiled model runs on: the backend's fastest attention and dense layers. */
export interface ModelOps {
  readonly attend: (p: AttentionProblem) => Promise<Float32Array>;
  readonly linear: Linear;
}

/** Rows of the feed-forward hidden layer computed at once. */
const FFN_CHUNK = 4096;

/** Compiles a validated spec: the weights stay resident; `run` may be called many times. */
export function compileModel(
  spec: ResolvedSpec,
  weights: ReadonlyMap<string, Float32Array>,
  ops: ModelOps,
): CompiledModel {
  const { attend, linear } = ops;
  const w = (name: string): Float32Array => weights.get(name)!;
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh, ffnSize: Fh, inputSize: F } = spec;
  const C = spec.output.classes;
  // Fused q|k|v projection weights per layer, so one pass over the rows computes all three.
  const qkv = Array.from({ length: spec.layers }, (_, l) => {
    const p = `layers.${l}.attention.`;
    const parts = ['query', 'key', 'value'];
    const rows = (H + 2 * Hkv) * Dh;
    const weight = new Float32Array(rows * d),
      bias = new Float32Array(rows);
    let at = 0;
    for (const part of parts) {
      weight.set(w(`${p}${part}.weight`), at * d);
      bias.set(w(`${p}${part}.bias`), at);
      at += (part === 'query' ? H : Hkv) * Dh;
    }
    return { weight, bias, rows };
  });

  async function run(req: ModelRunRequest, progress?: ProgressSink): Promise<ModelRunOutput> {
    const { batch: B, length: S, lengths } = req;
    const R = B * S;
    let h = req.tokens
      ? embedTokens(req.tokens, w('embedding.table'), d)
      : linear(req.input, R, F, w('input.weight'), w('input.bias'), d);
    if (spec.positional.kind === 'sinusoidal') addSinusoid(h, B, S, d);
    if (spec.positional.kind === 'learned') {
      const table = w('positional.table');
      for (let b = 0; b < B; b++) for (let i = 0; i < S * d; i++) h[b * S * d + i]! += table[i]!;
    }
    const attention: Float32Array[] = [];
    const tmp = new Float32Array(R * d);
    const mha = async (x: Float32Array, l: number, into: Float32Array, accumulate: boolean): Promise<void> => {
      const p = `layers.${l}.attention.`;
      const f = qkv[l]!;
      const proj = linear(x, R, d, f.weight, f.bias, f.rows);
      const q = splitHeads(proj, B, S, H, Dh, f.rows, 0);
      const k = splitHeads(proj, B, S, Hkv, Dh, f.rows, H * Dh);
      const v = splitHeads(proj, B, S, Hkv, Dh, f.rows, (H + Hkv) * Dh);
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
            weights.get(`${p}additive.weight`),
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
      linear(pack(o, B, H, S, Dh), R, H * Dh, w(`${p}output.weight`), w(`${p}output.bias`), d, into, accumulate);
    };
    const ffn = (x: Float32Array, l: number, into: Float32Array, accumulate: boolean): void => {
      const p = `layers.${l}.ffn.`;
      for (let r0 = 0; r0 < R; r0 += FFN_CHUNK) {
        const rows = Math.min(FFN_CHUNK, R - r0);
        const hidden = linear(
          x.subarray(r0 * d, (r0 + rows) * d),
          rows,
          d,
          w(`${p}hidden.weight`),
          w(`${p}hidden.bias`),
          Fh,
        );
        activate(hidden, spec.activation);
        linear(
          hidden,
          rows,
          Fh,
          w(`${p}output.weight`),
          w(`${p}output.bias`),
          d,
          into.subarray(r0 * d, (r0 + rows) * d),
          accumulate,
        );
      }
    };
    const eps = spec.normEpsilon;
    for (let l = 0; l < spec.layers; l++) {
      const n1 = `layers.${l}.norm1`,
        n2 = `layers.${l}.norm2`;
      if (spec.norm === 'pre') {
        await mha(layerNorm(h, R, d, w(`${n1}.weight`), w(`${n1}.bias`), eps, tmp), l, h, true);
        ffn(layerNorm(h, R, d, w(`${n2}.weight`), w(`${n2}.bias`), eps, tmp), l, h, true);
      } else {
        await mha(h, l, h, true);
        layerNorm(h, R, d, w(`${n1}.weight`), w(`${n1}.bias`), eps, h);
        ffn(h, l, tmp, false);
        for (let i = 0; i < h.length; i++) h[i]! += tmp[i]!;
        layerNorm(h, R, d, w(`${n2}.weight`), w(`${n2}.bias`), eps, h);
      }
      progress?.((l + 1) / spec.layers);
    }
    if (spec.norm === 'pre') h = layerNorm(h, R, d, w('final_norm.weight'), w('final_norm.bias'), eps, tmp);
    if (spec.output.kind === 'pooled') {
      const pooled = new Float32Array(B * d);
      for (let b = 0; b < B; b++) {
        const n = lengths[b]!;
        const acc = new Float64Array(d);
        for (let s = 0; s < n; s++) for (let c = 0; c < d; c++) acc[c]! += h[(b * S + s) * d + c]!;
        for (let c = 0; c < d; c++) pooled[b * d + c] = acc[c]! / n;
      }
      return { logits: linear(pooled, B, d, w('head.weight'), w('head.bias'), C), attention };
    }
    const logits = linear(h, R, d, w('head.weight'), w('head.bias'), C);
    for (let b = 0; b < B; b++) logits.fill(0, (b * S + lengths[b]!) * C, (b + 1) * S * C);
    return { logits, attention };
  }

  return { run };
}
