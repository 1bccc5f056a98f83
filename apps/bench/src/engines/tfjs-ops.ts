/**
 * Attention and the encoder written directly in TensorFlow.js ops, as a user writes them without attnkit.
 *
 * Shape legend: B batch, H heads, S length, D (Dh) head size, F features, d dModel, C classes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { resolveSpec, sinusoidTable, type ModelSpec, type Tensor } from '@attnkit/core';
import { maskBand } from '../inputs.js';
import { ropeTables } from './rope-tables.js';

/** `softmax(q·kᵀ·scale + bias)·v` on `[B, H, S, D]`; `bias` `[S, S]` broadcasts. */
export function attentionOps(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  scale: number,
  bias?: tf.Tensor2D,
): tf.Tensor4D {
  return tf.tidy(() => {
    let scores = tf.mul(tf.matMul(q, k, false, true), tf.scalar(scale));
    if (bias) scores = tf.add(scores, bias);
    return tf.matMul(tf.softmax(scores), v) as tf.Tensor4D;
  });
}

/** Why the ops encoder cannot express a spec, or `undefined`. */
export function opsEncoderUnsupported(spec: ModelSpec): string | undefined {
  const r = resolveSpec(spec);
  if (r.kvHeads !== r.heads) return 'the ops encoder has no grouped-query heads';
  if (r.positional.kind === 'alibi') return 'the ops encoder has no ALiBi (its bias would be [H, S, S])';
  return undefined;
}

/** The encoder of `spec` in tfjs ops, following the forward pass of `@attnkit/core`'s model spec. */
export function opsEncoder(
  spec: ModelSpec,
  weights: ReadonlyMap<string, Tensor>,
  S: number,
  bandBias: (band: { left: number; right: number }) => Float32Array,
): { run(input: tf.Tensor3D): tf.Tensor; dispose(): void } {
  const r = resolveSpec(spec);
  const { dModel: d, heads: H, headDim: Dh } = r;
  const held: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => (held.push(t), t);
  const w = new Map<string, tf.Tensor>();
  for (const [name, t] of weights) w.set(name, keep(tf.tensor(t.data, [...t.shape])));
  const get = (name: string): tf.Tensor =>
    w.get(name) ??
    (() => {
      throw new Error(`weights: "${name}" is missing`);
    })();
  let positions: tf.Tensor | undefined;
  if (r.positional.kind === 'sinusoidal') {
    positions = keep(tf.tensor2d(sinusoidTable(S, d), [S, d]));
  } else if (r.positional.kind === 'learned') {
    positions = keep(tf.slice(get('positional.table'), [0, 0], [S, d]));
  }
  let rope: { cos: tf.Tensor2D; sin: tf.Tensor2D } | undefined;
  if (r.positional.kind === 'rope') {
    const t = ropeTables(S, Dh, r.positional.base ?? 10000);
    rope = { cos: keep(tf.tensor2d(t.cos, [S, Dh])), sin: keep(tf.tensor2d(t.sin, [S, Dh])) };
  }
  /** `x·cos + [-x₂, x₁]·sin` on `[B, H, S, Dh]`. */
  const rotate = (x: tf.Tensor4D): tf.Tensor4D => {
    if (!rope) return x;
    const [x1, x2] = tf.split(x, 2, -1);
    return tf.add(tf.mul(x, rope.cos), tf.mul(tf.concat([tf.neg(x2!), x1!], -1), rope.sin));
  };
  const masks = r.attention.map((layer) => {
    const band = maskBand(layer);
    return band ? keep(tf.tensor2d(bandBias(band), [S, S])) : undefined;
  });
  const linear = (x: tf.Tensor, p: string): tf.Tensor =>
    tf.add(tf.matMul(x, get(`${p}.weight`), false, true), get(`${p}.bias`));
  const norm = (x: tf.Tensor, p: string): tf.Tensor => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(
      tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, r.normEpsilon))), get(`${p}.weight`)),
      get(`${p}.bias`),
    );
  };
  const gelu = (x: tf.Tensor): tf.Tensor =>
    tf.mul(
      tf.mul(x, 0.5),
      tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))),
    );
  const run = (input: tf.Tensor3D): tf.Tensor =>
    tf.tidy(() => {
      const B = input.shape[0];
      const heads = (x: tf.Tensor): tf.Tensor4D => tf.transpose(tf.reshape(x, [B, S, H, Dh]), [0, 2, 1, 3]);
      let h = linear(tf.reshape(input, [B * S, r.inputSize]), 'input');
      if (positions) h = tf.reshape(tf.add(tf.reshape(h, [B, S, d]), positions), [B * S, d]);
      for (let l = 0; l < r.layers; l++) {
        const p = `layers.${l}`;
        const attn = (x: tf.Tensor): tf.Tensor => {
          const q = rotate(heads(linear(x, `${p}.attention.query`)));
          const k = rotate(heads(linear(x, `${p}.attention.key`)));
          const v = heads(linear(x, `${p}.attention.value`));
          const o = attentionOps(q, k, v, 1 / Math.sqrt(Dh), masks[l] as tf.Tensor2D | undefined);
          return linear(tf.reshape(tf.transpose(o, [0, 2, 1, 3]), [B * S, d]), `${p}.attention.output`);
        };
        const ffn = (x: tf.Tensor): tf.Tensor => {
          const hidden = linear(x, `${p}.ffn.hidden`);
          return linear(r.activation === 'gelu' ? gelu(hidden) : tf.relu(hidden), `${p}.ffn.output`);
        };
        if (r.norm === 'pre') {
          h = tf.add(h, attn(norm(h, `${p}.norm1`)));
          h = tf.add(h, ffn(norm(h, `${p}.norm2`)));
        } else {
          h = norm(tf.add(h, attn(h)), `${p}.norm1`);
          h = norm(tf.add(h, ffn(h)), `${p}.norm2`);
        }
      }
      if (r.norm === 'pre') h = norm(h, 'final_norm');
      if (r.output.kind === 'pooled') return linear(tf.mean(tf.reshape(h, [B, S, d]), 1), 'head');
      return tf.reshape(linear(h, 'head'), [B, S, r.output.classes]);
    });
  return { run, dispose: () => held.forEach((t) => t.dispose()) };
}
