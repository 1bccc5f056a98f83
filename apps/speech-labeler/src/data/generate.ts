/**
 * The data generator: writes `NAME.wav` (16 kHz, 16-bit) and `NAME.json` (`{ "segments": [...] }`, the
 * evaluation format) for a split, plus `manifest.jsonl` saying how each was made. Seeded: the same
 * arguments give the same files.
 */
import { mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom, type Random } from '@attnkit/core';
import wavefile from 'wavefile';
import { toJson } from '../labels/formats.js';
import type { Segment } from '../labels/segments.js';
import { augment, noiseOnly } from './augment.js';
import { Espeak, type Phone } from './espeak.js';
import { FESTIVAL_VOICES, festivalAvailable, festivalBatch, type FestivalRequest } from './festival.js';
import { fliteAvailable, fliteSpeak } from './flite.js';
import { foreignSentence, sentences } from './texts.js';
import { ESPEAK_LANGUAGES, SPLITS } from './voices.js';

/** Options of {@link generate}. */
export interface GenerateOptions {
  readonly split: string;
  readonly count: number;
  readonly seed: number;
  readonly out: string;
  /** Variation strength (0 = clean audio, 1 = full). */
  readonly augment?: number;
  /** Allow a split that needs festival to fall back to espeak only when festival is missing. */
  readonly requireFestival?: boolean;
  readonly log?: (line: string) => void;
}

/** Merges phones into class segments (neighbours of one class become one segment). */
export function phonesToSegments(phones: readonly Phone[]): Segment[] {
  const out: Segment[] = [];
  for (const p of phones) {
    const last = out[out.length - 1];
    if (last && last.label === p.label && Math.abs(last.end - p.start) < 1e-6)
      out[out.length - 1] = { ...last, end: p.end };
    else out.push({ start: p.start, end: p.end, label: p.label });
  }
  return out.map((s) => ({
    start: Math.round(s.start * 1e5) / 1e5,
    end: Math.round(s.end * 1e5) / 1e5,
    label: s.label,
  }));
}

function writeUtterance(dir: string, name: string, samples: Float32Array, phones: Phone[]): void {
  const ints = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) ints[i] = Math.max(-32768, Math.min(32767, Math.round(samples[i]! * 32768)));
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, 16000, '16', ints);
  writeFileSync(join(dir, `${name}.wav`), wav.toBuffer());
  writeFileSync(join(dir, `${name}.json`), toJson(phonesToSegments(phones)));
}

const pickOf = <T>(rng: Random, list: readonly T[]): T => list[Math.floor(rng.next() * list.length)]!;

/** Generates a split into `options.out` (replacing what was there). Returns the number of files. */
export async function generate(options: GenerateOptions): Promise<number> {
  const spec = SPLITS[options.split];
  if (!spec) throw new Error(`unknown split "${options.split}"; known: ${Object.keys(SPLITS).join(', ')}`);
  const log = options.log ?? (() => {});
  const strength = options.augment ?? 1;
  const haveFestival = spec.festivalVoices.length > 0 && festivalAvailable();
  if (
    spec.festivalVoices.length > 0 &&
    !haveFestival &&
    (spec.espeakVariants.length === 0 || options.requireFestival)
  ) {
    throw new Error(
      `split "${options.split}" needs festival (apt packages festival ${[...new Set(spec.festivalVoices.map((v) => FESTIVAL_VOICES[v]?.apt))].join(' ')})`,
    );
  }
  const fliteVoices = spec.fliteVoices ?? [];
  if (fliteVoices.length > 0 && !fliteAvailable())
    throw new Error(`split "${options.split}" needs flite (apt package flite)`);
  rmSync(options.out, { recursive: true, force: true });
  mkdirSync(options.out, { recursive: true });
  const rng = seededRandom(options.seed);
  const texts = sentences(options.seed * 7919 + (spec.texts === 'train' ? 1 : 2), options.count, spec.texts);
  const share = haveFestival ? spec.festivalShare : 0;
  const noise = spec.noiseShare ?? 0;
  const jobs = texts.map((text, i) => {
    const r = rng.next();
    return { i, text, noise: r < noise, festival: r >= noise && rng.next() < share };
  });
  const manifest = join(options.out, 'manifest.jsonl');
  const name = (i: number): string => `${options.split}-${String(i).padStart(5, '0')}`;
  for (const j of jobs.filter((j) => j.noise)) {
    const { utterance, info } = noiseOnly(rng);
    writeUtterance(options.out, name(j.i), utterance.samples, utterance.phones);
    appendFileSync(manifest, `${JSON.stringify({ name: name(j.i), synth: 'none', ...info })}\n`);
  }
  if (fliteVoices.length > 0) {
    for (const j of jobs.filter((j) => !j.noise)) {
      const voice = pickOf(rng, fliteVoices);
      const stretch = rng.uniform(0.8, 1.25);
      const { utterance, info } = augment(fliteSpeak({ text: j.text, voice, stretch }), rng, strength);
      writeUtterance(options.out, name(j.i), utterance.samples, utterance.phones);
      appendFileSync(
        manifest,
        `${JSON.stringify({ name: name(j.i), synth: 'flite', voice, stretch, text: j.text, ...info })}\n`,
      );
      if (j.i % 50 === 0) log(`${name(j.i)} flite ${voice}`);
    }
    return jobs.length;
  }
  const espeakJobs = jobs.filter((j) => !j.festival && !j.noise);
  const es = espeakJobs.length > 0 ? await Espeak.create() : undefined;
  for (const j of espeakJobs) {
    const voice = `${pickOf(rng, ESPEAK_LANGUAGES)}+${pickOf(rng, spec.espeakVariants)}`;
    const rate = Math.round(rng.uniform(120, 230)),
      pitch = Math.round(rng.uniform(20, 80)),
      range = Math.round(rng.uniform(20, 90));
    const syn = es!.synthesize(j.text, voice, rate, pitch, range);
    const { utterance, info } = augment(syn, rng, strength);
    writeUtterance(options.out, name(j.i), utterance.samples, utterance.phones);
    appendFileSync(
      manifest,
      `${JSON.stringify({ name: name(j.i), synth: 'espeak-ng', voice, rate, pitch, range, text: j.text, ...info })}\n`,
    );
    if (j.i % 50 === 0) log(`${name(j.i)} espeak ${voice}`);
  }
  const festJobs = jobs
    .filter((j) => j.festival)
    .map((j) => {
      const voice = pickOf(rng, spec.festivalVoices);
      const language = FESTIVAL_VOICES[voice]?.language;
      // A voice of another language speaks a sentence of its own language instead of the English one.
      const text = language ? foreignSentence(rng, language) : j.text;
      const req: FestivalRequest = { text, voice, stretch: rng.uniform(0.8, 1.25), f0: rng.uniform(85, 150) };
      return { ...j, req };
    });
  for (let b = 0; b < festJobs.length; b += 20) {
    const batch = festJobs.slice(b, b + 20);
    const out = festivalBatch(batch.map((j) => j.req));
    batch.forEach((j, k) => {
      const { utterance, info } = augment(out[k]!, rng, strength);
      writeUtterance(options.out, name(j.i), utterance.samples, utterance.phones);
      appendFileSync(manifest, `${JSON.stringify({ name: name(j.i), synth: 'festival', ...j.req, ...info })}\n`);
    });
    log(`${name(batch[0]!.i)} festival (${b + batch.length}/${festJobs.length})`);
  }
  return jobs.length;
}
