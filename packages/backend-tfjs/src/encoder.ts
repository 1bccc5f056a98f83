/**
 * The transformer-encoder forward pass as tfjs ops, shared by compiled models (constant weights) and the
 * trainer (variables, under autodiff). Semantics: `@attnkit/core`'s model spec.
 *
 * Shape legend: B batch, S length, F input size, d dModel, H/Hkv heads, Dh head size, C classes.
 * Memory: each layer's scores `[B, H, S, S]` (and their bias) are materialised; the caller owns the
 * scope (`tf.tidy`, or the optimiser's).
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  layerAttentionOptions,
  prepareAttention,
  ropeTables,
  sinusoidTable,
  type ResolvedSpec,
  type RunGraph,
} from '@attnkit/core';
import { buildBias, type AttentionBias } from './attention-bias.js';
import { attend, attendSplit, chooseStrategy, type AttentionStrategy } from './attention-ops.js';
import type { TfjsBackendName } from './tfjs-runtime.js';
import { activation, layerNorm, linear, mergeHeads, rope, splitHeads } from './layers.js';

/**
 * Looks up a weight (a tensor or a variable) by its spec name; linear weights come transposed, `[in, out]`
 * (see `weight-layout.ts`).
 */
export type WeightLookup = (name: string) => tf.Tensor;

/** Where the forward pass runs and how it evaluates attention. */
export interface EncoderSettings {
  readonly tfjsBackend: TfjsBackendName;
  readonly strategy: 'auto' | AttentionStrategy;
  /** Under autodiff (shifts what `auto` picks). */
  readonly training?: boolean;
}

/** A layer setting's bias, as tensors made when first needed. */
interface LayerBias {
  readonly bias: AttentionBias | undefined;
  whole?: tf.Tensor4D;
  readonly heads: Map<number, tf.Tensor2D>;
}

/** Outputs of one forward pass. */
export interface EncoderOutput {
  /** `[B, S, C]` (zeros at padded positions) or `[B, C]` pooled. */
  readonly logits: tf.Tensor;
  /** Attention probabilities `[B, H, S, S]`, one per entry of `attentionOf`. */
  readonly attention: tf.Tensor4D[];
}

/**
 * Runs the encoder on `input [B, S, F]` (token ids as float32 `[B, S, 1]` with token input) with valid
 * `lengths` (one per sequence, `1..S`) and an optional graph. Call it inside a tfjs scope with the right
 * backend active.
 */
export function encoderForward(
  spec: ResolvedSpec,
  w: WeightLookup,
  input: tf.Tensor3D,
  lengths: Int32Array,
  attentionOf: readonly number[],
  settings: EncoderSettings,
  graph?: RunGraph,
): EncoderOutput {
  const [B, S, F] = input.shape;
  const { dModel: d, heads: H, kvHeads: Hkv, headDim: Dh } = spec;
  const R = B * S;
  const padded = lengths.some((n) => n < S);
  const pos = spec.positional;
  let h: tf.Tensor2D =
    spec.input.kind === 'tokens'
      ? (tf.gather(w('embedding.table'), tf.cast(tf.reshape(input, [R]), 'int32')) as tf.Tensor2D)
      : linear(tf.reshape(input, [R, F]), w('input.weight'), w('input.bias'));
  if (pos.kind === 'sinusoidal' || pos.kind === 'learned') {
    const table =
      pos.kind === 'sinusoidal'
        ? tf.tensor2d(sinusoidTable(S, d), [S, d])
        : tf.slice(w('positional.table'), [0, 0], [S, d]);
    h = tf.reshape(tf.add(tf.reshape(h, [B, S, d]), table), [R, d]);
  }
  const ropeCos: tf.Tensor2D[] = [];
  if (pos.kind === 'rope') {
    const t = ropeTables(S, Dh, pos.base ?? 10000);
    ropeCos.push(tf.tensor2d(t.cos, [S, Dh / 2]), tf.tensor2d(t.sin, [S, Dh / 2]));
  }
  const biases = new Map<string, LayerBias>();
  const biasOf = (l: number): LayerBias => {
    const layer = spec.attention[l]!;
    // Relevance does not change the masking: layers that differ only in it share their bias.
    const key = JSON.stringify({ causal: layer.causal, window: layer.window });
    let entry = biases.get(key);
    if (!entry) {
      const options = layerAttentionOptions(spec, l, { lengths, padded, graph, length: S });
      // Core states the masking: a problem of this shape (its values unused) gives the bias.
      const shape = (heads: number): { shape: number[]; data: Float32Array } => ({
        shape: [B, heads, S, 1],
        data: new Float32Array(B * heads * S),
      });
      entry = { bias: buildBias(prepareAttention(shape(H), shape(Hkv), shape(Hkv), options)), heads: new Map() };
      biases.set(key, entry);
    }
    return entry;
  };
  const wholeBias = (e: LayerBias): tf.Tensor4D | undefined => {
    if (e.bias && !e.whole) e.whole = tf.tensor4d(e.bias.data, e.bias.shape);
    return e.whole;
  };
  const headBias = (e: LayerBias, b: number, h: number): tf.Tensor2D | undefined => {
    if (!e.bias) return undefined;
    const [Bb, Hb] = e.bias.shape;
    const key = (Bb === 1 ? 0 : b) * Hb + (Hb === 1 ? 0 : h);
    let t = e.heads.get(key);
    if (!t) {
      t = tf.tensor2d(e.bias.data.subarray(key * S * S, (key + 1) * S * S), [S, S]);
      e.heads.set(key, t);
    }
    return t;
  };
  const strategy =
    settings.strategy === 'auto'
      ? chooseStrategy(settings.tfjsBackend, S, S, Dh, Dh, settings.training)
      : settings.strategy;
  const attention: tf.Tensor4D[] = [];
  const mha = (x: tf.Tensor2D, l: number): tf.Tensor2D => {
    const p = `layers.${l}.attention.`;
    let q = splitHeads(linear(x, w(`${p}query.weight`), w(`${p}query.bias`)), B, S, H, Dh);
    let k = splitHeads(linear(x, w(`${p}key.weight`), w(`${p}key.bias`)), B, S, Hkv, Dh);
    const v = splitHeads(linear(x, w(`${p}value.weight`), w(`${p}value.bias`)), B, S, Hkv, Dh);
    if (ropeCos.length > 0) {
      q = rope(q, ropeCos[0]!, ropeCos[1]!);
      k = rope(k, ropeCos[0]!, ropeCos[1]!);
    }
    const bias = biasOf(l);
    const o = {
      softcap: 0,
      emptyRows: bias.bias?.emptyRows ?? false,
      weights: attentionOf.includes(l) ? ('probs' as const) : ('none' as const),
    };
    const scale = 1 / Math.sqrt(Dh);
    const additive = spec.attention[l]!.relevance === 'additive';
    const whole = strategy === 'batched' || additive ? wholeBias(bias) : undefined;
    const r =
      strategy === 'per-head' && !additive
        ? attendSplit(q, k, v, scale, (b, h) => headBias(bias, b, h), o)
        : attend(q, k, v, {
            ...o,
            scale,
            ...(additive ? { additive: w(`${p}additive.weight`) as tf.Tensor2D } : {}),
            ...(whole ? { bias: whole } : {}),
          });
    attentionOf.forEach((layer, n) => {
      if (layer === l) attention[n] = r.weights!;
    });
    return linear(mergeHeads(r.output), w(`${p}output.weight`), w(`${p}output.bias`));
  };
  const ffn = (x: tf.Tensor2D, l: number): tf.Tensor2D => {
    const p = `layers.${l}.ffn.`;
    const hidden = activation(linear(x, w(`${p}hidden.weight`), w(`${p}hidden.bias`)), spec.activation);
    return linear(hidden, w(`${p}output.weight`), w(`${p}output.bias`));
  };
  const ln = (x: tf.Tensor2D, name: string): tf.Tensor2D =>
    layerNorm(x, w(`${name}.weight`), w(`${name}.bias`), spec.normEpsilon);
  for (let l = 0; l < spec.layers; l++) {
    if (spec.norm === 'pre') {
      h = tf.add(h, mha(ln(h, `layers.${l}.norm1`), l));
      h = tf.add(h, ffn(ln(h, `layers.${l}.norm2`), l));
    } else {
      h = ln(tf.add(h, mha(h, l)), `layers.${l}.norm1`);
      h = ln(tf.add(h, ffn(h, l)), `layers.${l}.norm2`);
    }
  }
  if (spec.norm === 'pre') h = ln(h, 'final_norm');
  const valid = validMask(lengths, S);
  if (spec.output.kind === 'pooled') {
    const summed = tf.sum(tf.mul(tf.reshape(h, [B, S, d]), valid), 1);
    const pooled = tf.div(summed, tf.tensor2d(Float32Array.from(lengths), [B, 1])) as tf.Tensor2D;
    return { logits: linear(pooled, w('head.weight'), w('head.bias')), attention };
  }
  const logits = tf.reshape(linear(h, w('head.weight'), w('head.bias')), [B, S, spec.output.classes]);
  return { logits: padded ? tf.mul(logits, valid) : logits, attention };
}

/** `[B, S, 1]`: 1 at valid positions, 0 at padding. */
function validMask(lengths: Int32Array, S: number): tf.Tensor3D {
  const B = lengths.length;
  const m = new Float32Array(B * S);
  for (let b = 0; b < B; b++) m.fill(1, b * S, b * S + lengths[b]!);
  return tf.tensor3d(m, [B, S, 1]);
}
