/**
 * Labelled speech from the Festival speech synthesis system (Debian packages `festival`,
 * `festvox-kallpc16k`, `festvox-kdlpc16k`, `festvox-us-slt-hts`): each utterance's audio and per-phone
 * end times (`utt.save.segs`), run as one `festival` process per batch.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { festivalClass } from '../labels/phone-map.js';
import type { Phone, Synthesized } from './espeak.js';

/** A festival voice this app knows. */
export interface FestivalVoice {
  /** The Scheme function that selects it. */
  readonly command: string;
  /** The model's mean pitch (Hz), where a target mean pitch can be set (the English diphone voices). */
  readonly f0Mean?: number;
  /** Its phone set's name (see `festivalClass`); `radio` (US English) when absent. */
  readonly phoneSet?: string;
  /** The language it speaks, for voices that do not speak English (see `foreignSentence`). */
  readonly language?: string;
  /** The Debian package that installs it. */
  readonly apt: string;
}

/** The festival voices this app knows, by short name. */
export const FESTIVAL_VOICES: Readonly<Record<string, FestivalVoice>> = {
  kal: { command: 'voice_kal_diphone', f0Mean: 105, apt: 'festvox-kallpc16k' },
  ked: { command: 'voice_ked_diphone', f0Mean: 105, apt: 'festvox-kdlpc16k' },
  slt: { command: 'voice_cmu_us_slt_arctic_hts', apt: 'festvox-us-slt-hts' },
  // Voices of other languages, each from a real speaker: more speakers for training.
  it_lp: { command: 'voice_lp_diphone', phoneSet: 'italian', language: 'it', apt: 'festvox-italp16k' },
  it_pc: { command: 'voice_pc_diphone', phoneSet: 'italian', language: 'it', apt: 'festvox-itapc16k' },
  ca_ona: {
    command: 'voice_upc_ca_ona_hts',
    phoneSet: 'upc_catalan-central',
    language: 'ca',
    apt: 'festvox-ca-ona-hts',
  },
  ru_nsh: { command: 'voice_msu_ru_nsh_clunits', phoneSet: 'msu_ru', language: 'ru', apt: 'festvox-ru' },
  fi_lj: { command: 'voice_suo_fi_lj_diphone', phoneSet: 'finnish', language: 'fi', apt: 'festvox-suopuhe-lj' },
  fi_mv: { command: 'voice_hy_fi_mv_diphone', phoneSet: 'finnish', language: 'fi', apt: 'festvox-suopuhe-mv' },
};

/** One utterance to speak. */
export interface FestivalRequest {
  readonly text: string;
  /** A short name from {@link FESTIVAL_VOICES}; another name is refused. */
  readonly voice: string;
  /** Duration stretch: > 1 is slower. */
  readonly stretch: number;
  /** Mean pitch in Hz (diphone voices only). */
  readonly f0?: number;
}

/** True when the `festival` program runs here. */
export function festivalAvailable(): boolean {
  try {
    execFileSync('festival', ['--version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

const quote = (s: string): string => `"${s.replace(/[\\"]/g, ' ')}"`;

/** Parses `utt.save.segs` output: lines `END 100 PHONE` after a `#` line. */
export function parseSegs(text: string): { end: number; phone: string }[] {
  const body = text.slice(text.indexOf('#') + 1);
  return body
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f.length >= 3)
    .map((f) => ({ end: Number(f[0]), phone: f[2]! }));
}

/**
 * A synthesizer's WAV and its phones' end times (Festival's US English phone set, which Flite shares) as
 * {@link Synthesized}: each phone starts where the previous one ended, ends clipped to the audio, and the
 * audio after the last phone is `sil`. `who` names the synthesizer and voice in errors.
 */
export function synthesizedFromEnds(
  wavBytes: Uint8Array,
  ends: readonly { readonly end: number; readonly phone: string }[],
  who: string,
  phoneSet = 'radio',
): Synthesized {
  const wav = new wavefile.WaveFile();
  wav.fromBuffer(wavBytes);
  const rate = (wav.fmt as { sampleRate: number }).sampleRate;
  const ints = wav.getSamples(false, Float32Array) as unknown as Float32Array;
  const samples = new Float32Array(ints.length);
  for (let k = 0; k < ints.length; k++) samples[k] = ints[k]! / 32768;
  const duration = samples.length / rate;
  const phones: Phone[] = [];
  let t = 0;
  for (const s of ends) {
    const label = festivalClass(s.phone, phoneSet);
    if (label === undefined) throw new Error(`${who}: phone ${JSON.stringify(s.phone)} has no class`);
    const end = Math.min(s.end, duration);
    if (end > t) phones.push({ start: t, end, phone: s.phone, label });
    t = Math.max(t, end);
  }
  if (phones.length === 0) throw new Error(`${who}: the synthesizer reported no phones`);
  if (duration > t) phones.push({ start: t, end: duration, phone: 'pau', label: 'sil' });
  return { samples, sampleRate: rate, phones };
}

/**
 * Speaks every request, with one festival process per voice: a voice's set-up can leave hooks behind that
 * break the next voice in the same process (after the Russian voice, Finnish fails on a Russian phone
 * feature).
 */
export function festivalBatch(requests: readonly FestivalRequest[]): Synthesized[] {
  const dir = mkdtempSync(join(tmpdir(), 'festival-'));
  try {
    const byVoice = new Map<string, string[]>();
    requests.forEach((r, i) => {
      const v = FESTIVAL_VOICES[r.voice];
      if (!v) throw new Error(`festival: unknown voice ${r.voice}; known: ${Object.keys(FESTIVAL_VOICES).join(', ')}`);
      const lines = byVoice.get(r.voice) ?? [`(${v.command})`];
      byVoice.set(r.voice, lines);
      lines.push(`(Parameter.set 'Duration_Stretch ${r.stretch.toFixed(3)})`);
      if (v.f0Mean && r.f0) {
        lines.push(
          `(set! int_lr_params '((target_f0_mean ${r.f0.toFixed(1)}) (target_f0_std ${(r.f0 * 0.15).toFixed(1)}) (model_f0_mean 170) (model_f0_std 34)))`,
        );
      }
      lines.push(
        `(set! utt (Utterance Text ${quote(r.text)}))`,
        '(utt.synth utt)',
        `(utt.save.wave utt "${join(dir, `${i}.wav`)}" 'riff)`,
        `(utt.save.segs utt "${join(dir, `${i}.segs`)}")`,
      );
    });
    for (const [voice, lines] of byVoice) {
      const script = join(dir, `${voice}.scm`);
      writeFileSync(script, `${lines.join('\n')}\n`);
      execFileSync('festival', ['-b', script], { stdio: 'pipe', maxBuffer: 1 << 26 });
    }
    return requests.map((r, i) =>
      synthesizedFromEnds(
        readFileSync(join(dir, `${i}.wav`)),
        parseSegs(readFileSync(join(dir, `${i}.segs`), 'utf8')),
        `festival (voice ${r.voice})`,
        FESTIVAL_VOICES[r.voice]!.phoneSet,
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
