/**
 * Loading vector files from disk (Node only).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VectorFile } from './peer-vectors.js';

/** The ONNX `Attention` peer vectors shipped with this package. */
export const BUNDLED_VECTORS_DIR: string = fileURLToPath(new URL('../vectors/onnx-attention', import.meta.url));

/** Reads every `*.json` vector file in `dir` (sorted by name). Throws naming the file that is malformed. */
export function loadVectorFiles(dir: string = BUNDLED_VECTORS_DIR): VectorFile[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (e) {
    throw new Error(`cannot read vector directory ${dir}: ${(e as Error).message}`);
  }
  return names.map((n) => {
    try {
      return JSON.parse(readFileSync(join(dir, n), 'utf8')) as VectorFile;
    } catch (e) {
      throw new Error(`vector file ${join(dir, n)}: ${(e as Error).message}`);
    }
  });
}
