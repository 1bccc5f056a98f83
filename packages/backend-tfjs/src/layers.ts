/**
 * Encoder layers as tfjs ops, all differentiable. Semantics: `@attnkit/core`'s model spec.
 *
 * Shape legend: R rows (B·S), I/O in/out features, B batch, H heads, S length, Dh head size, d dModel.
 */
import * as tf from '@tensorflow/tfjs-core';

/** `x[R, I]·W[O, I]ᵀ + b[O]`, with the weight given transposed, `Wᵀ [I, O]` (see `weight-layout.ts`). */
export function linear(x: tf.Tensor2D, wT: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(tf.matMul(x, wT as tf.Tensor2D), b);
}

/** Layer norm over the last axis with the biased variance. */
export function layerNorm<T extends tf.Tensor>(x: T, g: tf.Tensor, b: tf.Tensor, eps: number): T {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.mul(centred, centred), -1, true);
  return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), g), b) as T;
}

const GELU_C = Math.sqrt(2 / Math.PI);

/** ReLU or GELU (tanh form: `0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))`). */
export function activation<T extends tf.Tensor>(x: T, kind: 'relu' | 'gelu'): T {
  if (kind === 'relu') return tf.relu(x);
  const cube = tf.mul(tf.mul(x, x), x);
  const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), GELU_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
}

/** RoPE on `x [B, H, S, Dh]` with tables `[S, Dh/2]`: rotates the pairs `(x[i], x[i + Dh/2])`. */
export function rope(x: tf.Tensor4D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor4D {
  const [B, H, S, Dh] = x.shape;
  const half = Dh / 2;
  const a = tf.slice(x, [0, 0, 0, 0], [B, H, S, half]);
  const z = tf.slice(x, [0, 0, 0, half], [B, H, S, half]);
  return tf.concat([tf.sub(tf.mul(a, cos), tf.mul(z, sin)), tf.add(tf.mul(a, sin), tf.mul(z, cos))], 3);
}

/** `[B, S, H·Dh]` (as rows `[B·S, H·Dh]`) → `[B, H, S, Dh]`. */
export function splitHeads(x: tf.Tensor2D, B: number, S: number, H: number, Dh: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, [B, S, H, Dh]), [0, 2, 1, 3]);
}

/** `[B, H, S, Dh]` → rows `[B·S, H·Dh]`. */
export function mergeHeads(x: tf.Tensor4D): tf.Tensor2D {
  const [B, H, S, Dh] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B * S, H * Dh]);
}
