/**
 * Scores a directory in the evaluation format: for each `NAME.wav` a `NAME.json` of
 * `{ "segments": [ { "start", "end", "label" } ] }`; every frame's reference is the segment containing
 * its centre, `sil` where none does.
 */
import { readFileSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { messageNaming } from '../audio/wav-error.js';
import { openWavFile } from '../audio/wav-file.js';
import { listWavFiles } from '../audio/wav-list.js';
import { parseSegmentsJson, segmentsToFrames, type Segment } from '../labels/segments.js';
import type { Labeler, Timings } from '../pipeline/labeler.js';
import { Confusion } from './confusion.js';

/** Outcome of scoring a directory. */
export interface EvalResult {
  /** Files scored (those in {@link failures} are not). */
  readonly files: number;
  readonly confusion: Confusion;
  readonly seconds: number;
  readonly timings: Timings;
  /** Per-file frame accuracy. */
  readonly perFile: { name: string; frames: number; accuracy: number }[];
  /** Files that could not be scored, each with a message naming the file and the problem. */
  readonly failures: { file: string; message: string }[];
}

/** Callbacks of {@link evaluateDir}. */
export interface EvalOptions {
  /** Called before file `i` of `n` is scored. */
  onFile?(i: number, n: number, name: string): void;
  /** Called for each file that cannot be scored; the message names the file and the problem. */
  onFailure?(file: string, message: string): void;
}

/** A WAV and its reference path; `json` is undefined when it is not there. */
interface EvalEntry {
  readonly wav: string;
  readonly json: string | undefined;
  readonly name: string;
}

function listEntries(dir: string): EvalEntry[] {
  return listWavFiles(dir).map((wav) => {
    const json = `${wav.slice(0, -4)}.json`;
    return { wav, json: existsSync(json) ? json : undefined, name: basename(wav).slice(0, -4) };
  });
}

/** Pairs of `NAME.wav` + `NAME.json` in `dir`, sorted; throws when a WAV has no reference. */
export function listEvalPairs(dir: string): { wav: string; json: string; name: string }[] {
  return listEntries(dir).map((p) => {
    if (p.json === undefined) throw new Error(`${p.wav}: no reference ${p.name}.json beside it`);
    return { ...p, json: p.json };
  });
}

/**
 * Labels every WAV in `dir` and compares with its reference. A file that cannot be scored (a bad WAV, no
 * reference or a bad one) is reported through `onFailure` and in the result's `failures`, and the others
 * are scored; throws only when `dir` is not a folder of WAV files.
 */
export async function evaluateDir(labeler: Labeler, dir: string, options: EvalOptions = {}): Promise<EvalResult> {
  const entries = listEntries(dir);
  const confusion = new Confusion();
  const timings: Timings = { read: 0, features: 0, model: 0 };
  const perFile: EvalResult['perFile'] = [];
  const failures: EvalResult['failures'] = [];
  const fail = (file: string, e: unknown): void => {
    const message = messageNaming(file, e);
    failures.push({ file, message });
    options.onFailure?.(file, message);
  };
  let seconds = 0;
  for (const [i, p] of entries.entries()) {
    options.onFile?.(i, entries.length, p.name);
    let ref: Segment[];
    let r;
    try {
      if (p.json === undefined) throw new Error(`${p.wav}: no reference ${p.name}.json beside it`);
      ref = parseSegmentsJson(readFileSync(p.json, 'utf8'), p.json);
    } catch (e) {
      fail(p.json ?? p.wav, e);
      continue;
    }
    try {
      const stream = openWavFile(p.wav);
      try {
        r = await labeler.label(stream);
      } finally {
        stream.close();
      }
    } catch (e) {
      fail(p.wav, e);
      continue;
    }
    const frames = segmentsToFrames(ref, r.labels.length);
    const c = new Confusion();
    c.add(frames, r.labels);
    confusion.merge(c);
    perFile.push({ name: p.name, frames: r.labels.length, accuracy: c.accuracy });
    seconds += r.duration;
    addTimings(timings, r.timings);
  }
  return { files: perFile.length, confusion, seconds, timings, perFile, failures };
}

function addTimings(to: Timings, t: Timings): void {
  for (const k of ['read', 'features', 'model'] as const) to[k] += t[k];
}

/** Several results pooled frame by frame: what one folder holding all their files would give. */
export function poolResults(results: readonly EvalResult[]): EvalResult {
  const confusion = new Confusion();
  const timings: Timings = { read: 0, features: 0, model: 0 };
  for (const r of results) {
    confusion.merge(r.confusion);
    addTimings(timings, r.timings);
  }
  return {
    files: results.reduce((n, r) => n + r.files, 0),
    confusion,
    seconds: results.reduce((n, r) => n + r.seconds, 0),
    timings,
    perFile: results.flatMap((r) => r.perFile),
    failures: results.flatMap((r) => r.failures),
  };
}
