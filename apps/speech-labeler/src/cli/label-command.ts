/**
 * `speech-labeler label INPUT...`: one file gives its segments in the chosen format (stdout or `-o FILE`);
 * several inputs, or a folder, give one result per file that names it: JSON Lines
 * (`{"file", "segments"}` per line) or CSV with a `file` column on stdout, or with `-o FOLDER` one
 * output file per input (`NAME.json`, `NAME.csv`, `NAME.TextGrid`), or with `--beside` that file beside each
 * input. One progress bar covers all the files. A bad input among several is reported on stderr and the
 * others are labelled; the exit code is then 1.
 *
 * Segments are written as they are labelled (a TextGrid's intervals wait in a temporary file for its
 * header), so memory stays flat however long the recording.
 */
import { mkdirSync, statSync } from 'node:fs';
import { messageNaming } from '../audio/wav-error.js';
import { openWavFile } from '../audio/wav-file.js';
import {
  CSV_FILE_HEADER,
  csvRowsWriter,
  jsonLineWriter,
  segmentWriter,
  type OutputFormat,
  type SegmentWriter,
  type TextSink,
} from '../labels/formats.js';
import type { Labeler, ProgressFn, StreamResult } from '../pipeline/labeler.js';
import { fileSpool } from './file-spool.js';
import { formatTimings } from './format-timings.js';
import { besidePaths, expandInputs, outputPaths } from './label-inputs.js';
import { filesProgress, progressBars } from './progress.js';
import { fileOutput, stdoutOutput, type TextOutput } from './text-output.js';

/** Options of the label command. */
export interface LabelCommandOptions {
  readonly format: OutputFormat;
  /** A file for one input, a folder (created when missing) for several. */
  readonly output?: string;
  /** Write each output beside its input (`NAME.wav` → `NAME.json`, `.csv` or `.TextGrid`). */
  readonly beside?: boolean;
  readonly timings?: boolean;
  /** A progress bar on a terminal: for one file longer than a minute, or one bar over several files. */
  readonly progress: boolean;
}

/** A failure in the first pass over a file: the file is bad, the run goes on with the next one. */
class BadFile extends Error {}

/**
 * Labels one file into the writer `make` opens once the file has been read through (so a bad file
 * writes nothing). Errors of the first pass are {@link BadFile}s; the message names the file.
 */
async function labelFile(
  labeler: Labeler,
  file: string,
  progress: (samples: number) => { onProgress: ProgressFn | undefined; stop(): void },
  make: (duration: number) => SegmentWriter,
): Promise<StreamResult> {
  let stream;
  try {
    stream = openWavFile(file);
  } catch (e) {
    throw new BadFile(messageNaming(file, e));
  }
  const bars = progress(stream.length);
  let writer: SegmentWriter | undefined;
  try {
    const r = await labeler.labelStream(
      stream,
      {
        onStart: () => void (writer = make(stream.length / labeler.loaded.file.features.sampleRate)),
        onSegment: (s) => writer!.segment(s),
      },
      bars.onProgress,
    );
    writer!.end();
    return r;
  } catch (e) {
    writer?.abort?.();
    throw writer ? new Error(messageNaming(file, e)) : new BadFile(messageNaming(file, e));
  } finally {
    bars.stop();
    stream.close();
  }
}

/** The writer of one whole output in `format`; a TextGrid spools its intervals in a temporary file. */
function wholeWriter(format: OutputFormat, sink: TextSink, duration: number): SegmentWriter {
  return segmentWriter(format, sink, duration, format === 'textgrid' ? fileSpool() : undefined);
}

/**
 * Runs the label command on `inputs`; `open` compiles the labeller (after the inputs are checked).
 * @returns the exit code: 0, or 1 when an input could not be labelled
 */
export async function labelCommand(
  inputs: readonly string[],
  o: LabelCommandOptions,
  open: () => Promise<Labeler>,
): Promise<number> {
  const started = performance.now();
  const timings = (
    labeler: Labeler,
    r: StreamResult,
    prefix = '',
    write = (line: string): unknown => process.stderr.write(line),
  ): void => {
    if (!o.timings) return;
    write(
      `${prefix}backend ${labeler.backendName}${labeler.dtype === 'float16' ? ' (float16 weights)' : ''}: ${formatTimings(r.timings, r.duration)}; ` +
        `end to end (with start-up) ${((performance.now() - started) / 1000).toFixed(2)} s\n`,
    );
  };
  if (o.beside && o.output) throw new Error('-o and --beside: choose one (a file or folder, or beside each input)');
  const { items, several } = expandInputs(inputs);
  const tty = o.progress && process.stderr.isTTY === true;

  if (!several) {
    const file = inputs[0]!;
    openWavFile(file).close(); // a bad file is reported before the model is loaded
    const output = o.beside ? besidePaths([file], o.format)[0] : o.output;
    const labeler = await open();
    let out: TextOutput | undefined;
    try {
      const bars = (samples: number): ReturnType<typeof progressBars> =>
        progressBars(tty && samples > 60 * 16000, 'labelling');
      const r = await labelFile(labeler, file, bars, (duration) => {
        out = output ? fileOutput(output) : stdoutOutput();
        return wholeWriter(o.format, out.sink, duration);
      });
      out!.close();
      timings(labeler, r);
    } catch (e) {
      out?.discard();
      throw e;
    } finally {
      await labeler.dispose();
    }
    return 0;
  }

  if (o.format === 'textgrid' && !o.output && !o.beside)
    throw new Error('--format textgrid with several inputs needs -o FOLDER or --beside (one TextGrid per input)');
  const files = items.flatMap((it) => ('file' in it ? [it.file] : []));
  const outputs = o.output ? outputPaths(files, o.output, o.format) : o.beside ? besidePaths(files, o.format) : [];
  if (o.output) {
    if (statSync(o.output, { throwIfNoEntry: false })?.isFile())
      throw new Error(`-o: ${o.output} is a file; with several inputs -o names a folder (one output file per input)`);
    mkdirSync(o.output, { recursive: true });
  }
  const labeler = await open();
  const stdout = o.output || o.beside ? undefined : stdoutOutput();
  let failed = 0;
  // One bar over all files, weighted by their length (a file that cannot be opened weighs nothing).
  const lengths = (tty ? files : []).map((f) => {
    try {
      const s = openWavFile(f);
      s.close();
      return s.length;
    } catch {
      return 0;
    }
  });
  const bar = filesProgress(
    tty,
    lengths.reduce((a, b) => a + b, 0),
    files.length,
    'labelling',
  );
  try {
    if (stdout && o.format === 'csv') stdout.sink(CSV_FILE_HEADER);
    let k = 0;
    for (const it of items) {
      if (!('file' in it)) {
        bar.log(`error: ${it.message}\n`);
        failed++;
        continue;
      }
      const path = outputs[k++];
      let out: TextOutput | undefined;
      try {
        const fileBar = (samples: number): ReturnType<typeof progressBars> => ({
          onProgress: bar.start(samples),
          stop() {},
        });
        const r = await labelFile(labeler, it.file, fileBar, (duration) => {
          if (path === undefined)
            return o.format === 'csv' ? csvRowsWriter(it.file, stdout!.sink) : jsonLineWriter(it.file, stdout!.sink);
          out = fileOutput(path);
          return wholeWriter(o.format, out.sink, duration);
        });
        out?.close();
        stdout?.flush(); // each file's whole line before any later message
        timings(labeler, r, `${it.file}: `, bar.log);
      } catch (e) {
        out?.discard();
        if (!(e instanceof BadFile)) throw e;
        bar.log(`error: ${e.message}\n`);
        failed++;
      } finally {
        bar.done();
      }
    }
    stdout?.close();
  } finally {
    bar.stop();
    await labeler.dispose();
  }
  if (failed > 0) process.stderr.write(`error: ${failed} of ${items.length} inputs could not be labelled\n`);
  return failed > 0 ? 1 : 0;
}
