/**
 * Training batches, their validation, and the cross-entropy losses.
 *
 * Shape legend: B batch, S length, F input size, C classes.
 *
 * - per-position (N→N): the mean over the valid positions of all sequences of `-log softmax(logits)[label]`;
 *   padded positions count for nothing.
 * - pooled (N→1): the mean over sequences of `-log softmax(logits)[label]`.
 *
 * Both are `-Σ target · log softmax(logits)` with a target tensor built on the CPU: `1/N` at each counted
 * (position, label), zeros elsewhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  AttnkitError,
  prepareModelRun,
  ShapeError,
  type ModelRunRequest,
  type ResolvedSpec,
  type RunGraphOption,
  type Tensor,
  type TokenTensor,
} from '@attnkit/core';

/** A batch of labelled sequences. */
export interface TrainingBatch {
  /** `[B, S, F]`, or token ids `[B, S]` for a spec with token input. */
  readonly input: Tensor | TokenTensor;
  /**
   * Class of each position, `[B, S]` row-major, for a per-position head (values at padded positions are
   * ignored, and `-1` marks an unlabelled position, which the loss skips: semi-supervised training); class
   * of each sequence, `[B]`, for a pooled head.
   */
  readonly labels: Int32Array | readonly number[];
  /** Valid length of each sequence, `1..S` (default `S`). */
  readonly lengths?: Int32Array | readonly number[];
  /** Graph attention for the batch (see `ModelRunOptions.graph`): one graph, or one per sequence. */
  readonly graph?: RunGraphOption;
}

/** A validated batch with its loss targets. */
export interface PreparedBatch {
  readonly run: ModelRunRequest;
  readonly labels: Int32Array;
  /** `[B, S, C]` or `[B, C]`: `1/N` at each counted label. */
  readonly targets: Float32Array;
  readonly targetShape: number[];
  /** Number of counted positions (or sequences). */
  readonly count: number;
}

/** Validates a batch against the spec (input and lengths by core's rules, labels here). */
export function prepareBatch(spec: ResolvedSpec, batch: TrainingBatch): PreparedBatch {
  if (batch === null || typeof batch !== 'object')
    throw new AttnkitError('ERR_TYPE', 'batch: expected { input, labels, lengths? }', 'batch');
  const run = prepareModelRun(spec, batch.input, {
    ...(batch.lengths === undefined ? {} : { lengths: batch.lengths }),
    ...(batch.graph === undefined ? {} : { graph: batch.graph }),
  });
  const { batch: B, length: S, lengths } = run;
  const C = spec.output.classes;
  const pooled = spec.output.kind === 'pooled';
  const raw = batch.labels;
  if (!(raw instanceof Int32Array) && !Array.isArray(raw))
    throw new AttnkitError('ERR_TYPE', 'batch.labels: expected an Int32Array or an array of integers', 'batch.labels');
  const want = pooled ? B : B * S;
  if (raw.length !== want) {
    throw new ShapeError(
      'ERR_SHAPE',
      `batch.labels: has ${raw.length} entries, expected ${pooled ? `one per sequence (${B})` : `one per position, B·S = ${B}·${S} = ${want}`}`,
      'batch.labels',
    );
  }
  const labels = Int32Array.from(raw as ArrayLike<number>);
  const counted = (r: number): boolean => pooled || (r % S < lengths[Math.floor(r / S)]! && labels[r] !== -1);
  let count = 0;
  for (let r = 0; r < want; r++) if (counted(r)) count++;
  if (count === 0)
    throw new AttnkitError('ERR_RANGE', 'batch.labels: no position is labelled (every label is -1)', 'batch.labels');
  const targets = new Float32Array(want * C);
  for (let r = 0; r < want; r++) {
    if (!counted(r)) {
      labels[r] = -1;
      continue;
    }
    const y = (raw as ArrayLike<number>)[r]!;
    if (!Number.isInteger(y) || y < 0 || y >= C) {
      throw new AttnkitError('ERR_RANGE', `batch.labels[${r}]: ${y} is not a class index 0..${C - 1}`, 'batch.labels');
    }
    targets[r * C + y] = 1 / count;
  }
  return { run, labels, targets, targetShape: pooled ? [B, C] : [B, S, C], count };
}

/** `-Σ targets · log softmax(logits)` over the last axis. */
export function crossEntropy(logits: tf.Tensor, targets: tf.Tensor): tf.Scalar {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits))));
}

/** Fraction of counted positions (or sequences) whose largest logit is the label. */
export function accuracy(logits: Float32Array, batch: PreparedBatch, C: number): number {
  const { labels } = batch;
  let right = 0;
  for (let r = 0; r < labels.length; r++) {
    if (labels[r]! < 0) continue; // padding or unlabelled
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[r * C + c]! > logits[r * C + best]!) best = c;
    if (best === labels[r]) right++;
  }
  return right / batch.count;
}
