/**
 * The encoder the benchmark runs end to end: the speech labeler's model. Until the speech labeler
 * publishes its spec, this default describes it (4 layers, d_model 64, 4 heads, FFN 256, window ±64 frames,
 * 40 log-mel features in, 8 phone classes out, one label per frame).
 */
import type { ModelSpec } from '@attnkit/core';

/** The built-in encoder spec. */
export const DEFAULT_ENCODER_SPEC: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: 40,
  dModel: 64,
  heads: 4,
  layers: 4,
  ffnSize: 256,
  activation: 'gelu',
  norm: 'pre',
  positional: { kind: 'sinusoidal' },
  attention: { window: { left: 64, right: 64 } },
  output: { kind: 'per-position', classes: 8 },
};
