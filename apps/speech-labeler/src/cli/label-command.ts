/**
 * `speech-labeler label INPUT...`: one file gives its segments in the chosen format (stdout or `-o FILE`);
 * several inputs, or a folder, give one result per file that names it: JSON Lines
 * (`{"file", "segments"}` per line) or CSV with a `file` column on stdout, or with `-o FOLDER` one
 * output file per input (`NAME.json`, `NAME.csv`, `NAME.TextGrid`). A bad input among several is reported
 * on stderr and the others are labelled; the exit code is then 1.
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { messageNaming } from '../audio/wav-error.js';
import { openWavFile } from '../audio/wav-file.js';
import { CSV_FILE_HEADER, formatSegments, toCsvRows, toJsonLine, type OutputFormat } from '../labels/formats.js';
import type { LabelResult, Labeler } from '../pipeline/labeler.js';
import { formatTimings } from './format-timings.js';
import { expandInputs, outputPaths } from './label-inputs.js';
import { progressBars } from './progress.js';

/** Options of the label command. */
export interface LabelCommandOptions {
  readonly format: OutputFormat;
  /** A file for one input, a folder (created when missing) for several. */
  readonly output?: string;
  readonly timings?: boolean;
  /** Progress bars on a terminal for files longer than a minute. */
  readonly progress: boolean;
}

/** Labels one file with a progress bar for long ones. */
async function labelFile(labeler: Labeler, file: string, progress: boolean): Promise<LabelResult> {
  const stream = openWavFile(file);
  const bars = progressBars(progress && process.stderr.isTTY === true && stream.length > 60 * 16000, 'labelling');
  try {
    return await labeler.label(stream, bars.onProgress);
  } finally {
    bars.stop();
    stream.close();
  }
}

/**
 * Runs the label command on `inputs`; `open` compiles the labeller (after the inputs are checked).
 * @returns the exit code: 0, or 1 when an input could not be labelled
 */
export async function labelCommand(inputs: readonly string[], o: LabelCommandOptions, open: () => Promise<Labeler>): Promise<number> {
  const started = performance.now();
  const timings = (labeler: Labeler, r: LabelResult, prefix = ''): void => {
    if (!o.timings) return;
    process.stderr.write(`${prefix}backend ${labeler.backendName}: ${formatTimings(r.timings, r.duration)}; ` +
      `end to end (with start-up) ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
  };
  const { items, several } = expandInputs(inputs);
  if (!several) {
    const file = inputs[0]!;
    openWavFile(file).close(); // a bad file is reported before the model is loaded
    const labeler = await open();
    try {
      const r = await labelFile(labeler, file, o.progress).catch((e: unknown) => {
        throw new Error(messageNaming(file, e));
      });
      const text = formatSegments(r.segments, o.format, r.duration);
      if (o.output) writeFileSync(o.output, text);
      else process.stdout.write(text);
      timings(labeler, r);
    } finally {
      await labeler.dispose();
    }
    return 0;
  }
  if (o.format === 'textgrid' && !o.output) throw new Error('--format textgrid with several inputs needs -o FOLDER (one TextGrid per input)');
  const files = items.flatMap((it) => ('file' in it ? [it.file] : []));
  const outputs = o.output ? outputPaths(files, o.output, o.format) : [];
  if (o.output) {
    if (statSync(o.output, { throwIfNoEntry: false })?.isFile()) throw new Error(`-o: ${o.output} is a file; with several inputs -o names a folder (one output file per input)`);
    mkdirSync(o.output, { recursive: true });
  }
  const labeler = await open();
  let failed = 0;
  try {
    if (!o.output && o.format === 'csv') process.stdout.write(CSV_FILE_HEADER);
    let k = 0;
    for (const it of items) {
      if (!('file' in it)) {
        process.stderr.write(`error: ${it.message}\n`);
        failed++;
        continue;
      }
      const out = outputs[k++];
      let r: LabelResult;
      try {
        r = await labelFile(labeler, it.file, o.progress);
      } catch (e) {
        process.stderr.write(`error: ${messageNaming(it.file, e)}\n`);
        failed++;
        continue;
      }
      if (out !== undefined) writeFileSync(out, formatSegments(r.segments, o.format, r.duration));
      else process.stdout.write(o.format === 'csv' ? toCsvRows(it.file, r.segments) : toJsonLine(it.file, r.segments));
      timings(labeler, r, `${it.file}: `);
    }
  } finally {
    await labeler.dispose();
  }
  if (failed > 0) process.stderr.write(`error: ${failed} of ${items.length} inputs could not be labelled\n`);
  return failed > 0 ? 1 : 0;
}
