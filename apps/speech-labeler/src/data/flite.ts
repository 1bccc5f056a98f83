/**
 * Labelled speech from Flite (Debian package `flite`): its built-in voices, with per-phone end times from
 * `-psdur`. Flite uses Festival's US English phone set, so its phones map with {@link festivalClass}.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { festivalClass } from '../labels/phone-map.js';
import type { Phone, Synthesized } from './espeak.js';

/**
 * Flite's built-in 16 kHz voices by short name: `awb` (Scottish English male), `rms` (US male) and `slt`
 * (US female) are clustergen voices built from CMU ARCTIC recordings; `kal16` is a diphone voice.
 */
export const FLITE_VOICES = ['awb', 'rms', 'slt', 'kal16'] as const;

/** One utterance to speak. */
export interface FliteRequest {
  readonly text: string;
  /** One of {@link FLITE_VOICES}. */
  readonly voice: string;
  /** Duration stretch: > 1 is slower. (Flite's clustergen voices ignore a target pitch; the generator's
   * speed warp varies it.) */
  readonly stretch: number;
}

/** True when the `flite` program runs here. */
export function fliteAvailable(): boolean {
  try {
    execFileSync('flite', ['-lv'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Parses `-psdur` output: `PHONE:END` pairs separated by spaces. */
export function parsePsdur(text: string): { end: number; phone: string }[] {
  return text
    .split(/\s+/)
    .filter((f) => f.includes(':'))
    .map((f) => {
      const at = f.lastIndexOf(':');
      return { phone: f.slice(0, at), end: Number(f.slice(at + 1)) };
    })
    .filter((p) => p.phone.length > 0 && Number.isFinite(p.end));
}

/** Speaks one request (one `flite` process). */
export function fliteSpeak(r: FliteRequest): Synthesized {
  if (!(FLITE_VOICES as readonly string[]).includes(r.voice))
    throw new Error(`flite: unknown voice ${r.voice}; known: ${FLITE_VOICES.join(', ')}`);
  const dir = mkdtempSync(join(tmpdir(), 'flite-'));
  try {
    const file = join(dir, 'out.wav');
    const text = r.text.replace(/\s+/g, ' ').trim();
    const out = execFileSync(
      'flite',
      ['-voice', r.voice, '--setf', `duration_stretch=${r.stretch.toFixed(3)}`, '-psdur', '-t', text, '-o', file],
      { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 },
    ).toString('utf8');
    const wav = new wavefile.WaveFile();
    wav.fromBuffer(readFileSync(file));
    const rate = (wav.fmt as { sampleRate: number }).sampleRate;
    const ints = wav.getSamples(false, Float32Array) as unknown as Float32Array;
    const samples = new Float32Array(ints.length);
    for (let k = 0; k < ints.length; k++) samples[k] = ints[k]! / 32768;
    const duration = samples.length / rate;
    const phones: Phone[] = [];
    let t = 0;
    for (const s of parsePsdur(out)) {
      const label = festivalClass(s.phone);
      if (label === undefined)
        throw new Error(`flite: phone ${JSON.stringify(s.phone)} has no class (voice ${r.voice})`);
      const end = Math.min(s.end, duration);
      if (end > t) phones.push({ start: t, end, phone: s.phone, label });
      t = Math.max(t, end);
    }
    if (phones.length === 0) throw new Error(`flite: no phones for ${JSON.stringify(text)} (voice ${r.voice})`);
    if (duration > t) phones.push({ start: t, end: duration, phone: 'pau', label: 'sil' });
    return { samples, sampleRate: rate, phones };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
