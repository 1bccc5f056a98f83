/**
 * Scores a directory in the evaluation format: for each `NAME.wav` a `NAME.json` of
 * `{ "segments": [ { "start", "end", "label" } ] }`; every frame's reference is the segment containing
 * its centre, `sil` where none does.
 */
import { readFileSync, readdirSync, existsSync, statSync } from 'node:fs';
import { join, basename } from 'node:path';
import { openWavFile } from '../audio/wav-file.js';
import { parseSegmentsJson, segmentsToFrames } from '../labels/segments.js';
import type { Labeler, Timings } from '../pipeline/labeler.js';
import { Confusion } from './confusion.js';

/** Outcome of scoring a directory. */
export interface EvalResult {
  readonly files: number;
  readonly confusion: Confusion;
  readonly seconds: number;
  readonly timings: Timings;
  /** Per-file frame accuracy. */
  readonly perFile: { name: string; frames: number; accuracy: number }[];
}

/** Pairs of `NAME.wav` + `NAME.json` in `dir`, sorted; throws when a WAV has no reference. */
export function listEvalPairs(dir: string): { wav: string; json: string; name: string }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${dir}: not a directory`);
  const wavs = readdirSync(dir).filter((f) => f.toLowerCase().endsWith('.wav')).sort();
  if (wavs.length === 0) throw new Error(`${dir}: no .wav files`);
  return wavs.map((w) => {
    const name = w.slice(0, -4);
    const json = join(dir, `${name}.json`);
    if (!existsSync(json)) throw new Error(`${join(dir, w)}: no reference ${basename(json)} beside it`);
    return { wav: join(dir, w), json, name };
  });
}

/** Labels every WAV in `dir` and compares with its reference. */
export async function evaluateDir(labeler: Labeler, dir: string, onFile?: (i: number, n: number, name: string) => void): Promise<EvalResult> {
  const pairs = listEvalPairs(dir);
  const confusion = new Confusion();
  const timings: Timings = { read: 0, features: 0, model: 0 };
  const perFile: EvalResult['perFile'] = [];
  let seconds = 0;
  for (const [i, p] of pairs.entries()) {
    onFile?.(i, pairs.length, p.name);
    const ref = parseSegmentsJson(readFileSync(p.json, 'utf8'), p.json);
    const stream = openWavFile(p.wav);
    let r;
    try {
      r = await labeler.label(stream);
    } finally {
      stream.close();
    }
    const frames = segmentsToFrames(ref, r.labels.length);
    const c = new Confusion();
    c.add(frames, r.labels);
    confusion.merge(c);
    perFile.push({ name: p.name, frames: r.labels.length, accuracy: c.accuracy });
    seconds += r.duration;
    for (const k of ['read', 'features', 'model'] as const) timings[k] += r.timings[k];
  }
  return { files: pairs.length, confusion, seconds, timings, perFile };
}
