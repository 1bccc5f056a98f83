/** The WAV files of a folder (Node). */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every `.wav` file directly in `dir` (any case of the extension, not in sub-folders), sorted by name,
 * as paths joined onto `dir`. Throws an error naming `dir` when it is not a folder or holds no `.wav`.
 *
 * @example
 * ```ts
 * listWavFiles('data/heldout'); // ['data/heldout/heldout-00000.wav', 'data/heldout/heldout-00001.wav', ...]
 * ```
 */
export function listWavFiles(dir: string): string[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error(`${dir}: not a directory`);
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new Error(`${dir}: ${code === 'ENOENT' ? 'no such directory' : `cannot read the directory (${code})`}`);
  }
  const wavs = names.filter((f) => f.toLowerCase().endsWith('.wav')).sort();
  if (wavs.length === 0) throw new Error(`${dir}: no .wav files`);
  return wavs.map((f) => join(dir, f));
}
