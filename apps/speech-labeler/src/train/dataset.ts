/**
 * A labelled directory (evaluation format) as training material: normalised features and the class of
 * every frame, computed with the same code the labeller runs.
 */
import { readFileSync } from 'node:fs';
import type { Random } from '@attnkit/core';
import { openWavFile } from '../audio/wav-file.js';
import { LogMel, frameCount, type FeatureConfig } from '../features/log-mel.js';
import { normalizeFeatures } from '../features/band-stats.js';
import { parseSegmentsJson, segmentsToFrames } from '../labels/segments.js';
import { listEvalPairs } from '../eval/evaluate.js';

/** One utterance: features `[T, F]` and labels `[T]`. */
export interface Example {
  readonly name: string;
  readonly features: Float32Array;
  readonly labels: Uint8Array;
  readonly frames: number;
}

/** Loads every `NAME.wav` + `NAME.json` of `dir`. */
export function loadDataset(dir: string, cfg: FeatureConfig): Example[] {
  return listEvalPairs(dir).map((p) => {
    const stream = openWavFile(p.wav);
    const fx = new LogMel(cfg, frameCount(stream.length, cfg));
    try {
      for (const b of stream.blocks()) fx.push(b);
    } finally {
      stream.close();
    }
    const features = normalizeFeatures(fx.finish(), cfg.bands);
    const frames = features.length / cfg.bands;
    const labels = segmentsToFrames(
      parseSegmentsJson(readFileSync(p.json, 'utf8'), p.json),
      frames,
      cfg.hop / cfg.sampleRate,
    );
    return { name: p.name, features, labels, frames };
  });
}

/** A batch of random crops, `[B, S, F]` with labels `[B, S]` and valid lengths. */
export interface Batch {
  readonly input: { shape: number[]; data: Float32Array };
  readonly labels: Int32Array;
  readonly lengths: Int32Array;
}

/**
 * `B` random crops of at most `S` frames (shorter utterances are padded), with an optional frequency
 * mask (a few adjacent bands set to 0, the normalised mean) on some crops.
 */
export function randomBatch(
  data: readonly Example[],
  rng: Random,
  B: number,
  S: number,
  F: number,
  freqMask = 0,
): Batch {
  const input = new Float32Array(B * S * F);
  const labels = new Int32Array(B * S);
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const ex = data[Math.floor(rng.next() * data.length)]!;
    const len = Math.min(S, ex.frames);
    const start = Math.floor(rng.next() * (ex.frames - len + 1));
    input.set(ex.features.subarray(start * F, (start + len) * F), b * S * F);
    for (let t = 0; t < len; t++) labels[b * S + t] = ex.labels[start + t]!;
    lengths[b] = len;
    if (freqMask > 0 && rng.next() < 0.5) {
      const w = 1 + Math.floor(rng.next() * freqMask);
      const f0 = Math.floor(rng.next() * (F - w));
      for (let t = 0; t < len; t++) for (let f = f0; f < f0 + w; f++) input[(b * S + t) * F + f] = 0;
    }
  }
  return { input: { shape: [B, S, F], data: input }, labels, lengths };
}
