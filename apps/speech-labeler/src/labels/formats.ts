/**
 * Writing segments as JSON (the evaluation format), Praat TextGrid, or CSV; for several files, JSON Lines
 * or CSV with a file column. Each format is a {@link SegmentWriter} that takes segments one at a time, so
 * a long recording's output is written as it is labelled; `toJson` and the others collect one in a string.
 */
import type { Segment } from './segments.js';

/** Output formats of `speech-labeler label`. */
export type OutputFormat = 'json' | 'textgrid' | 'csv';

/** Where written text goes. */
export type TextSink = (text: string) => void;

/** Takes segments in time order and writes them in a format; `end` completes the output. */
export interface SegmentWriter {
  segment(s: Segment): void;
  end(): void;
  /** Drops what waits for the end (a TextGrid's spooled intervals), after a failure. */
  abort?(): void;
}

/**
 * Text kept aside until the end of the output (a TextGrid states its number of intervals before them):
 * in memory, or in a temporary file for long recordings (`file-spool.ts`).
 */
export interface Spool {
  write(text: string): void;
  /** Sends everything written, in order, to `sink`, and frees the spool. */
  replay(sink: TextSink): void;
  /** Frees the spool without replaying it. */
  dispose(): void;
}

/** A spool in memory. */
export function memorySpool(): Spool {
  let parts: string[] = [];
  return {
    write: (t) => void parts.push(t),
    replay(sink) {
      for (const t of parts) sink(t);
      parts = [];
    },
    dispose: () => void (parts = []),
  };
}

const jsonSegment = (s: Segment): string => `{ "start": ${s.start}, "end": ${s.end}, "label": "${s.label}" }`;

/** The evaluation format, `{ "segments": [ { "start", "end", "label" }, ... ] }`, written as segments come. */
export function jsonWriter(sink: TextSink): SegmentWriter {
  let n = 0;
  sink('{\n  "segments": [\n');
  return {
    segment: (s) => sink(`${n++ ? ',\n' : ''}    ${jsonSegment(s)}`),
    end: () => sink('\n  ]\n}\n'),
  };
}

/** CSV with a header row `start,end,label`. */
export function csvWriter(sink: TextSink): SegmentWriter {
  sink('start,end,label\n');
  return { segment: (s) => sink(`${s.start},${s.end},${s.label}\n`), end() {} };
}

/**
 * A Praat TextGrid (long text format) with one interval tier, `tier`, covering 0 to `duration` seconds
 * (or to the last segment's end); gaps between segments become empty intervals, as Praat requires a tier
 * without holes. The intervals wait in `spool` until {@link SegmentWriter.end} writes the header.
 */
export function textGridWriter(
  sink: TextSink,
  duration: number,
  spool: Spool = memorySpool(),
  tier = 'phone_class',
): SegmentWriter {
  let t = 0,
    count = 0;
  const interval = (xmin: number, xmax: number, text: string): void => {
    count++;
    spool.write(
      `        intervals [${count}]:\n            xmin = ${xmin}\n            xmax = ${xmax}\n            text = ${quote(text)}\n`,
    );
  };
  return {
    segment(s) {
      if (s.start > t + 1e-9) interval(t, s.start, '');
      interval(Math.max(t, s.start), s.end, s.label);
      t = s.end;
    },
    end() {
      const xmax = Math.max(duration, t);
      if (xmax > t + 1e-9) interval(t, xmax, '');
      const head = [
        'File type = "ooTextFile"',
        'Object class = "TextGrid"',
        '',
        'xmin = 0',
        `xmax = ${xmax}`,
        'tiers? <exists>',
        'size = 1',
        'item []:',
        '    item [1]:',
        '        class = "IntervalTier"',
        `        name = ${quote(tier)}`,
        '        xmin = 0',
        `        xmax = ${xmax}`,
        `        intervals: size = ${count}`,
      ];
      sink(`${head.join('\n')}\n`);
      spool.replay(sink);
    },
    abort: () => spool.dispose(),
  };
}

function quote(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * One file's segments as one line of JSON, `{"file": ..., "segments": [...]}`: the output of `label`
 * with several inputs (JSON Lines, one object per file).
 */
export function jsonLineWriter(file: string, sink: TextSink): SegmentWriter {
  let n = 0;
  sink(`{"file":${JSON.stringify(file)},"segments":[`);
  return {
    segment: (s) => sink(`${n++ ? ',' : ''}${JSON.stringify({ start: s.start, end: s.end, label: s.label })}`),
    end: () => sink(']}\n'),
  };
}

/** The header row of {@link csvRowsWriter}. */
export const CSV_FILE_HEADER = 'file,start,end,label\n';

/** One file's segments as CSV rows `file,start,end,label` (the file quoted when it holds `,`, `"` or a line break). */
export function csvRowsWriter(file: string, sink: TextSink): SegmentWriter {
  const f = /[",\r\n]/.test(file) ? `"${file.replace(/"/g, '""')}"` : file;
  return { segment: (s) => sink(`${f},${s.start},${s.end},${s.label}\n`), end() {} };
}

/** The writer of `format` (a TextGrid keeps its intervals in `spool` until the end). */
export function segmentWriter(format: OutputFormat, sink: TextSink, duration: number, spool?: Spool): SegmentWriter {
  switch (format) {
    case 'json':
      return jsonWriter(sink);
    case 'csv':
      return csvWriter(sink);
    case 'textgrid':
      return textGridWriter(sink, duration, spool);
  }
}

/** Everything `make` writes for `segments`, as a string. */
function collect(segments: readonly Segment[], make: (sink: TextSink) => SegmentWriter): string {
  const parts: string[] = [];
  const w = make((t) => void parts.push(t));
  for (const s of segments) w.segment(s);
  w.end();
  return parts.join('');
}

/** The evaluation format: `{ "segments": [ { "start", "end", "label" }, ... ] }`. */
export function toJson(segments: readonly Segment[]): string {
  return collect(segments, jsonWriter);
}

/** CSV with a header row `start,end,label`. */
export function toCsv(segments: readonly Segment[]): string {
  return collect(segments, csvWriter);
}

/** A Praat TextGrid of the segments, covering 0 to `duration` seconds (see {@link textGridWriter}). */
export function toTextGrid(segments: readonly Segment[], duration: number, tier = 'phone_class'): string {
  return collect(segments, (sink) => textGridWriter(sink, duration, memorySpool(), tier));
}

/** One line of JSON Lines for one file (see {@link jsonLineWriter}). */
export function toJsonLine(file: string, segments: readonly Segment[]): string {
  return collect(segments, (sink) => jsonLineWriter(file, sink));
}

/** CSV rows with a file column (see {@link csvRowsWriter}). */
export function toCsvRows(file: string, segments: readonly Segment[]): string {
  return collect(segments, (sink) => csvRowsWriter(file, sink));
}

/** Formats segments in `format`. */
export function formatSegments(segments: readonly Segment[], format: OutputFormat, duration: number): string {
  return collect(segments, (sink) => segmentWriter(format, sink, duration));
}

/** File extension of each format's output file. */
export const FORMAT_EXTENSIONS: Readonly<Record<OutputFormat, string>> = {
  json: '.json',
  csv: '.csv',
  textgrid: '.TextGrid',
};
