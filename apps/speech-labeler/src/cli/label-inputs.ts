/** The inputs of `label`: files and folders (a folder = every `.wav` in it, sorted). */
import { statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { listWavFiles } from '../audio/wav-list.js';
import { FORMAT_EXTENSIONS, type OutputFormat } from '../labels/formats.js';

/** A file to label, or an input that gave no file (a folder without WAVs), with a message naming it. */
export type LabelInput = { readonly file: string } | { readonly input: string; readonly message: string };

/** The inputs expanded, in the order given. */
export interface ExpandedInputs {
  readonly items: readonly LabelInput[];
  /** False only for exactly one input that is not a folder: the single-file output. */
  readonly several: boolean;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false; // missing or unreadable: opening it as a file says why
  }
}

/**
 * Replaces each folder among `inputs` by its `.wav` files (sorted); files stay as given.
 *
 * @example
 * ```ts
 * expandInputs(['a.wav', 'data/heldout']).items; // [{ file: 'a.wav' }, { file: 'data/heldout/heldout-00000.wav' }, ...]
 * ```
 */
export function expandInputs(inputs: readonly string[]): ExpandedInputs {
  const folders = inputs.map(isFolder);
  const items = inputs.flatMap((input, i): LabelInput[] => {
    if (!folders[i]) return [{ file: input }];
    try {
      return listWavFiles(input).map((file) => ({ file }));
    } catch (e) {
      return [{ input, message: (e as Error).message }];
    }
  });
  return { items, several: inputs.length > 1 || folders.some(Boolean) };
}

/**
 * The output file of each input file with `-o FOLDER`: the input's name without `.wav` plus the format's
 * extension. Throws when two inputs would write the same file.
 */
export function outputPaths(files: readonly string[], folder: string, format: OutputFormat): string[] {
  return distinct(
    '-o',
    files,
    files.map((file) => join(folder, basename(file).replace(/\.wav$/i, '') + FORMAT_EXTENSIONS[format])),
  );
}

/**
 * The output file of each input file with `--beside`: in the input's folder, its name without `.wav` plus
 * the format's extension. Throws when two inputs would write the same file (the same input given twice).
 */
export function besidePaths(files: readonly string[], format: OutputFormat): string[] {
  return distinct(
    '--beside',
    files,
    files.map((file) => join(dirname(file), basename(file).replace(/\.wav$/i, '') + FORMAT_EXTENSIONS[format])),
  );
}

function distinct(option: string, files: readonly string[], outputs: string[]): string[] {
  const seen = new Map<string, string>();
  outputs.forEach((out, i) => {
    const other = seen.get(out);
    if (other !== undefined) throw new Error(`${option}: ${other} and ${files[i]} would both write ${out}`);
    seen.set(out, files[i]!);
  });
  return outputs;
}
