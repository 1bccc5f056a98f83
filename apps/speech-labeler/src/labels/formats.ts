/** Writing segments as JSON (the evaluation format), Praat TextGrid, or CSV. */
import type { Segment } from './segments.js';

/** Output formats of `speech-labeler label`. */
export type OutputFormat = 'json' | 'textgrid' | 'csv';

/** The evaluation format: `{ "segments": [ { "start", "end", "label" }, ... ] }`. */
export function toJson(segments: readonly Segment[]): string {
  const lines = segments.map((s) => `    { "start": ${s.start}, "end": ${s.end}, "label": "${s.label}" }`);
  return `{\n  "segments": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

/** CSV with a header row `start,end,label`. */
export function toCsv(segments: readonly Segment[]): string {
  return `start,end,label\n${segments.map((s) => `${s.start},${s.end},${s.label}`).join('\n')}\n`;
}

/**
 * A Praat TextGrid (long text format) with one interval tier, `tier` (default "phone_class"), covering
 * 0 to `duration` seconds; gaps between segments become empty intervals, as Praat requires a tier
 * without holes.
 */
export function toTextGrid(segments: readonly Segment[], duration: number, tier = 'phone_class'): string {
  const xmax = Math.max(duration, segments.length ? segments[segments.length - 1]!.end : 0);
  const intervals: { xmin: number; xmax: number; text: string }[] = [];
  let t = 0;
  for (const s of segments) {
    if (s.start > t + 1e-9) intervals.push({ xmin: t, xmax: s.start, text: '' });
    intervals.push({ xmin: Math.max(t, s.start), xmax: s.end, text: s.label });
    t = s.end;
  }
  if (xmax > t + 1e-9) intervals.push({ xmin: t, xmax, text: '' });
  const q = (s: string): string => `"${s.replace(/"/g, '""')}"`;
  const lines = [
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
    `        name = ${q(tier)}`,
    '        xmin = 0',
    `        xmax = ${xmax}`,
    `        intervals: size = ${intervals.length}`,
  ];
  intervals.forEach((iv, i) => {
    lines.push(`        intervals [${i + 1}]:`, `            xmin = ${iv.xmin}`, `            xmax = ${iv.xmax}`, `            text = ${q(iv.text)}`);
  });
  return `${lines.join('\n')}\n`;
}

/** Formats segments in `format`. */
export function formatSegments(segments: readonly Segment[], format: OutputFormat, duration: number): string {
  switch (format) {
    case 'json':
      return toJson(segments);
    case 'csv':
      return toCsv(segments);
    case 'textgrid':
      return toTextGrid(segments, duration);
  }
}

/**
 * One file's segments as one line of JSON, `{"file": ..., "segments": [...]}`: the output of `label`
 * with several inputs (JSON Lines, one object per file).
 */
export function toJsonLine(file: string, segments: readonly Segment[]): string {
  return `${JSON.stringify({ file, segments: segments.map((s) => ({ start: s.start, end: s.end, label: s.label })) })}\n`;
}

/** The header row of {@link toCsvRows}. */
export const CSV_FILE_HEADER = 'file,start,end,label\n';

/** One file's segments as CSV rows `file,start,end,label` (the file quoted when it holds `,`, `"` or a line break). */
export function toCsvRows(file: string, segments: readonly Segment[]): string {
  const f = /[",\r\n]/.test(file) ? `"${file.replace(/"/g, '""')}"` : file;
  return segments.map((s) => `${f},${s.start},${s.end},${s.label}\n`).join('');
}

/** File extension of each format's output file. */
export const FORMAT_EXTENSIONS: Readonly<Record<OutputFormat, string>> = { json: '.json', csv: '.csv', textgrid: '.TextGrid' };
