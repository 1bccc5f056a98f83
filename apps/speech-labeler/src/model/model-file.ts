/**
 * The labeller's model on disk: `model.json` (feature settings and the encoder's {@link ModelSpec}) beside
 * its weights in safetensors. Parsing works on bytes, so the same code loads it in Node and the browser.
 */
import { decodeSafetensors, resolveSpec, type ModelSpec, type Tensor } from '@attnkit/core';
import { CLASSES } from '../labels/classes.js';
import type { FeatureConfig } from '../features/log-mel.js';

/** Contents of `model.json`. */
export interface ModelFile {
  readonly format: 'speech-labeler-model/1';
  /** How features are computed; `normalize: 'utterance'` is per-band mean/variance over the input. */
  readonly features: FeatureConfig & { readonly normalize: 'utterance' };
  readonly spec: ModelSpec;
  /** File name of the weights, relative to `model.json`. */
  readonly weights: string;
  /** Free-form notes on how it was trained (see the model card). */
  readonly training?: Readonly<Record<string, unknown>>;
}

/** A model ready to compile: its description and its weights. */
export interface LoadedModel {
  readonly file: ModelFile;
  readonly weights: Map<string, Tensor>;
}

/** Checks `model.json`'s contents: format, features, a valid spec whose classes are the 8 labels. */
export function parseModelFile(text: string, name = 'model.json'): ModelFile {
  let m: ModelFile;
  try {
    m = JSON.parse(text) as ModelFile;
  } catch (e) {
    throw new Error(`${name}: not valid JSON (${(e as Error).message})`);
  }
  if (m?.format !== 'speech-labeler-model/1')
    throw new Error(`${name}: format ${JSON.stringify(m?.format)}, expected "speech-labeler-model/1"`);
  if (m.features?.kind !== 'log-mel')
    throw new Error(`${name}: features.kind ${JSON.stringify(m.features?.kind)}, expected "log-mel"`);
  const spec = resolveSpec(m.spec);
  if (spec.inputSize !== m.features.bands)
    throw new Error(`${name}: spec.inputSize ${spec.inputSize} does not match features.bands ${m.features.bands}`);
  if (spec.output.kind !== 'per-position' || spec.output.classes !== CLASSES.length) {
    throw new Error(`${name}: expected a per-position output of ${CLASSES.length} classes`);
  }
  if (spec.output.labels && spec.output.labels.some((l, i) => l !== CLASSES[i])) {
    throw new Error(
      `${name}: output.labels ${JSON.stringify(spec.output.labels)} differ from ${JSON.stringify(CLASSES)}`,
    );
  }
  return m;
}

/** Builds a {@link LoadedModel} from `model.json` text and the weights' bytes. */
export function loadModelFromBytes(modelJson: string, weightBytes: Uint8Array): LoadedModel {
  const file = parseModelFile(modelJson);
  const { tensors } = decodeSafetensors(weightBytes);
  return { file, weights: new Map(tensors) };
}

/**
 * Frames of context a chunk needs on each side so that its centre matches a run over the whole input:
 * each layer sees `window` frames further (relative positions make the result shift-invariant).
 */
export function receptiveField(spec: ModelSpec): number {
  const r = resolveSpec(spec);
  let total = 0;
  for (const a of r.attention) {
    if (!a.window || !Number.isFinite(a.window.left) || !Number.isFinite(a.window.right)) return Infinity;
    total += Math.max(a.window.left, a.window.right);
  }
  return total;
}
