/**
 * Variation on top of the synthesizers: a speed/formant warp (the samples played at a rate off by a
 * factor, which moves pitch, formants and durations together), silence padding, a spectral tilt, noise at
 * a random signal-to-noise ratio and a random level. Everything is drawn from the given seeded generator.
 */
import type { Random } from '@attnkit/core';
import { Resampler } from '../audio/resample.js';
import type { Phone, Synthesized } from './espeak.js';

/** Audio at 16 kHz with its phones. */
export interface Utterance {
  readonly samples: Float32Array;
  readonly phones: Phone[];
}

/** What was drawn for one utterance (recorded in the manifest). */
export interface AugmentInfo {
  warp: number;
  padStart: number;
  padEnd: number;
  tilt: number;
  snrDb: number | null;
  noise: 'white' | 'brown' | 'none';
  peakDb: number;
}

/** Resamples `audio` to 16 kHz as if it had been recorded at `rate · warp`. */
function warpTo16k(x: Synthesized, warp: number): Utterance {
  const from = Math.round(x.sampleRate * warp);
  const r = new Resampler(from, 16000);
  const a = r.push(x.samples),
    b = r.flush();
  const samples = new Float32Array(a.length + b.length);
  samples.set(a);
  samples.set(b, a.length);
  const k = x.sampleRate / from;
  return { samples, phones: x.phones.map((p) => ({ ...p, start: p.start * k, end: p.end * k })) };
}

/** Applies a random variation to one synthesized utterance. */
export function augment(x: Synthesized, rng: Random, strength = 1): { utterance: Utterance; info: AugmentInfo } {
  const warp = 1 + strength * rng.uniform(-0.1, 0.1);
  const u = warpTo16k(x, warp);
  const padStart = rng.uniform(0.05, 0.6),
    padEnd = rng.uniform(0.05, 0.6);
  const n0 = Math.round(padStart * 16000),
    n1 = Math.round(padEnd * 16000);
  const y = new Float32Array(n0 + u.samples.length + n1);
  // Spectral tilt: y[n] = x[n] - a·x[n-1] (a > 0 brightens, a < 0 darkens).
  const tilt = rng.next() < 0.6 * strength ? rng.uniform(-0.6, 0.9) : 0;
  let prev = 0;
  for (let i = 0; i < u.samples.length; i++) {
    const s = u.samples[i]!;
    y[n0 + i] = s - tilt * prev;
    prev = s;
  }
  let power = 0;
  for (let i = n0; i < n0 + u.samples.length; i++) power += y[i]! * y[i]!;
  power /= Math.max(1, u.samples.length);
  const noiseKind: AugmentInfo['noise'] = rng.next() < 0.7 * strength ? (rng.next() < 0.5 ? 'white' : 'brown') : 'none';
  // Always a little noise: real recordings are never digitally silent.
  const snrDb = noiseKind === 'none' ? 60 : rng.uniform(12, 40);
  const sigma = Math.sqrt(power / 10 ** (snrDb / 10));
  let brown = 0;
  for (let i = 0; i < y.length; i++) {
    let v = rng.normal();
    if (noiseKind === 'brown') {
      brown = 0.98 * brown + 0.2 * v;
      v = brown;
    }
    y[i] = y[i]! + sigma * v;
  }
  let peak = 0;
  for (let i = 0; i < y.length; i++) peak = Math.max(peak, Math.abs(y[i]!));
  const peakDb = rng.uniform(-30, -1);
  const g = peak > 0 ? 10 ** (peakDb / 20) / peak : 1;
  for (let i = 0; i < y.length; i++) y[i] = y[i]! * g;
  const phones = u.phones.map((p) => ({ ...p, start: p.start + padStart, end: p.end + padStart }));
  return {
    utterance: { samples: y, phones },
    info: { warp, padStart, padEnd, tilt, snrDb: noiseKind === 'none' ? null : snrDb, noise: noiseKind, peakDb },
  };
}
