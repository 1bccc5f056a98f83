/** Loading the model from disk (Node). */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModelFromBytes, type LoadedModel } from './model-file.js';

/** The committed model, `model/model.json` in this package. */
export const DEFAULT_MODEL_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../model/model.json');

/** Reads `model.json` and the weights file it names. */
export function loadModelFile(path: string = DEFAULT_MODEL_PATH): LoadedModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`${path}: cannot read the model (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const { weights } = JSON.parse(text) as { weights?: string };
  const weightsPath = join(dirname(path), weights ?? 'weights.safetensors');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(weightsPath);
  } catch (e) {
    throw new Error(
      `${weightsPath}: cannot read the model weights (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  return loadModelFromBytes(text, bytes);
}
