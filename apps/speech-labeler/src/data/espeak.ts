/**
 * Labelled speech from espeak-ng (WebAssembly build, GPL-3.0; a development-time tool of this app, never
 * shipped): audio at 22050 Hz and one segment per phoneme from its phoneme events.
 *
 * espeak reports a post-vocalic sonorant (the l of "sailed") where its sound ends rather than where it
 * starts: the sound sits at the end of the previous vowel's span, and the sonorant's own span is the
 * silence that follows (a stop closure or a pause). {@link fixLateSonorants} moves such a sonorant back
 * over the end of the vowel.
 */
import init from '@echogarden/espeak-ng-emscripten';
import { espeakClass } from '../labels/phone-map.js';
import type { PhoneClass } from '../labels/classes.js';

/** espeak-ng's output rate. */
export const ESPEAK_RATE = 22050;

/** A phone with times in seconds. */
export interface Phone {
  start: number;
  end: number;
  phone: string;
  label: PhoneClass;
}

/** Synthesized audio and its phones. */
export interface Synthesized {
  readonly samples: Float32Array;
  readonly sampleRate: number;
  readonly phones: Phone[];
}

interface Worker {
  set_voice(v: string): number;
  set_rate(r: number): void;
  set_pitch(p: number): void;
  set_range(r: number): void;
  synthesize(
    text: string,
    cb: (samples: Int16Array, events: { type: string; audio_position: number; id?: string | number }[]) => void,
  ): void;
}

/** One espeak-ng engine. */
export class Espeak {
  private constructor(private readonly worker: Worker) {}

  static async create(): Promise<Espeak> {
    const m = (await init()) as { eSpeakNGWorker: new () => Worker };
    return new Espeak(new m.eSpeakNGWorker());
  }

  /**
   * Speaks `text` with `voice` (e.g. `en-us+m3`), `rate` in words per minute, `pitch` and `range` 0-100.
   * Throws on a phoneme the class map does not know.
   */
  synthesize(text: string, voice: string, rate: number, pitch: number, range: number): Synthesized {
    if (this.worker.set_voice(voice) !== 0) throw new Error(`espeak: unknown voice ${voice}`);
    this.worker.set_rate(rate);
    this.worker.set_pitch(pitch);
    this.worker.set_range(range);
    const chunks: Int16Array[] = [];
    const events: { ms: number; id: string }[] = [];
    this.worker.synthesize(text, (samples, evs) => {
      if (samples?.length) chunks.push(new Int16Array(samples));
      for (const e of evs) {
        if (e.type === 'phoneme') events.push({ ms: e.audio_position, id: String(e.id ?? '') });
        else if (e.type === 'end') events.push({ ms: e.audio_position, id: '' });
      }
    });
    const n = chunks.reduce((a, c) => a + c.length, 0);
    const samples = new Float32Array(n);
    let o = 0;
    for (const c of chunks) {
      for (let i = 0; i < c.length; i++) samples[o + i] = c[i]! / 32768;
      o += c.length;
    }
    const duration = n / ESPEAK_RATE;
    const phones: Phone[] = [];
    let t = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const start = Math.min(e.ms / 1000, duration);
      if (start > t) phones.push({ start: t, end: start, phone: '_', label: 'sil' }); // before the first phoneme
      const end = Math.min(i + 1 < events.length ? events[i + 1]!.ms / 1000 : duration, duration);
      const label = espeakClass(e.id);
      if (label === undefined)
        throw new Error(
          `espeak: phoneme ${JSON.stringify(e.id)} has no class (voice ${voice}, text ${JSON.stringify(text)})`,
        );
      if (end > start) phones.push({ start, end, phone: e.id, label });
      else if (label !== 'sil') phones.push({ start, end: start, phone: e.id, label });
      t = Math.max(t, end);
    }
    if (duration > t) phones.push({ start: t, end: duration, phone: '_', label: 'sil' });
    return { samples, sampleRate: ESPEAK_RATE, phones: fixLateSonorants(phones, samples, ESPEAK_RATE) };
  }
}

function rms(samples: Float32Array, rate: number, a: number, b: number): number {
  const i0 = Math.max(0, Math.floor(a * rate)),
    i1 = Math.min(samples.length, Math.floor(b * rate));
  let s = 0;
  for (let i = i0; i < i1; i++) s += samples[i]! * samples[i]!;
  return i1 > i0 ? Math.sqrt(s / (i1 - i0)) : 0;
}

const SONORANT: ReadonlySet<PhoneClass> = new Set(['approximant', 'nasal']);

/**
 * A sonorant right after a vowel whose own span is (nearly) silent or empty is given the last part of the
 * vowel's span instead (a third of it, at most 80 ms); its silent span goes to what follows (a stop's
 * closure, or silence).
 */
export function fixLateSonorants(phones: Phone[], samples: Float32Array, rate: number): Phone[] {
  const out = phones.map((p) => ({ ...p }));
  const loud = rms(samples, rate, 0, samples.length / rate);
  for (let i = 1; i < out.length; i++) {
    const p = out[i]!,
      prev = out[i - 1]!;
    if (!SONORANT.has(p.label) || prev.label !== 'vowel') continue;
    const quiet = p.end - p.start < 0.005 || rms(samples, rate, p.start, p.end) < 0.05 * loud;
    if (!quiet) continue;
    const take = Math.min(0.08, (prev.end - prev.start) / 3);
    const next = out[i + 1];
    const silentStart = p.start,
      silentEnd = p.end;
    prev.end -= take;
    p.start = prev.end;
    p.end = silentStart;
    if (next && next.label !== 'vowel' && !SONORANT.has(next.label)) next.start = p.end;
    else if (silentEnd > silentStart)
      out.splice(i + 1, 0, { start: silentStart, end: silentEnd, phone: '_', label: 'sil' });
  }
  return out.filter((p) => p.end > p.start);
}
