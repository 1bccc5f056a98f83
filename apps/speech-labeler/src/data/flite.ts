/**
 * Labelled speech from Flite (Debian package `flite`): its built-in voices, with per-phone end times from
 * `-psdur`. Flite uses Festival's US English phone set, so its phones map as Festival's do.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Synthesized } from './espeak.js';
import { synthesizedFromEnds } from './festival.js';

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
    return synthesizedFromEnds(
      readFileSync(file),
      parsePsdur(out),
      `flite (voice ${r.voice}, text ${JSON.stringify(text)})`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
