/**
 * Variation on top of the synthesizers: a speed/formant warp (the samples played at a rate off by a
 * factor, which moves pitch, formants and durations together), silence padding, a spectral tilt, a band
 * limit (high-pass and low-pass, as a telephone or a cheap microphone), reverberation (a Schroeder
 * reverberator of random decay time), noise (white, pink or brown) at a random signal-to-noise ratio, a
 * slowly changing level and a random peak level. Everything is drawn from the given seeded generator.
 * {@link noiseOnly} makes recordings without speech (noise at a low level, every frame `sil`).
 */
import type { Random } from '@attnkit/core';
import { Resampler } from '../audio/resample.js';
import type { Phone, Synthesized } from './espeak.js';

/** Audio at 16 kHz with its phones. */
export interface Utterance {
  readonly samples: Float32Array;
  readonly phones: Phone[];
}

/** The kinds of added noise. */
export type NoiseKind = 'white' | 'pink' | 'brown' | 'none';

/** What was drawn for one utterance (recorded in the manifest). */
export interface AugmentInfo {
  warp: number;
  padStart: number;
  padEnd: number;
  tilt: number;
  /** High-pass and low-pass corner frequencies in Hz, or null for none. */
  band: [number, number] | null;
  /** Reverberation time (RT60, s) and wet share, or null for none. */
  reverb: [number, number] | null;
  snrDb: number | null;
  noise: NoiseKind;
  /** Level swing of the slow gain envelope in dB (0 = constant level). */
  levelSwingDb: number;
  peakDb: number;
}

const FS = 16000;

/** Resamples `audio` to 16 kHz as if it had been recorded at `rate · warp`. */
function warpTo16k(x: Synthesized, warp: number): Utterance {
  const from = Math.round(x.sampleRate * warp);
  const r = new Resampler(from, FS);
  const a = r.push(x.samples),
    b = r.flush();
  const samples = new Float32Array(a.length + b.length);
  samples.set(a);
  samples.set(b, a.length);
  const k = x.sampleRate / from;
  return { samples, phones: x.phones.map((p) => ({ ...p, start: p.start * k, end: p.end * k })) };
}

/** A second-order (RBJ cookbook) high-pass or low-pass filter at `f0` Hz, Q = 1/√2, applied in place. */
function biquad(y: Float32Array, from: number, kind: 'high' | 'low', f0: number): void {
  const w = (2 * Math.PI * f0) / FS,
    cos = Math.cos(w),
    alpha = Math.sin(w) / Math.SQRT2;
  const b1 = kind === 'low' ? 1 - cos : -(1 + cos),
    b0 = kind === 'low' ? b1 / 2 : -b1 / 2;
  const a0 = 1 + alpha,
    a1 = -2 * cos,
    a2 = 1 - alpha;
  let x1 = 0,
    x2 = 0,
    y1 = 0,
    y2 = 0;
  for (let i = from; i < y.length; i++) {
    const x0 = y[i]!;
    const v = (b0 * x0 + b1 * x1 + b0 * x2 - a1 * y1 - a2 * y2) / a0;
    x2 = x1;
    x1 = x0;
    y2 = y1;
    y1 = v;
    y[i] = v;
  }
}

/**
 * Schroeder's reverberator: four parallel feedback combs (29.7–43.7 ms, each gain set so that it decays
 * 60 dB in `rt60` s) then two all-passes; mixed with the dry signal at `wet`. In place, from `from` on.
 */
function reverberate(y: Float32Array, from: number, rt60: number, wet: number): void {
  const combs = [0.0297, 0.0371, 0.0411, 0.0437].map((d) => {
    const n = Math.round(d * FS);
    return { n, g: 10 ** ((-3 * d) / rt60), buf: new Float32Array(n), i: 0 };
  });
  const passes = [0.005, 0.0017].map((d) => ({
    n: Math.round(d * FS),
    g: 0.7,
    buf: new Float32Array(Math.round(d * FS)),
    i: 0,
  }));
  for (let t = from; t < y.length; t++) {
    const x = y[t]!;
    let s = 0;
    for (const c of combs) {
      const out = c.buf[c.i]!;
      c.buf[c.i] = x + c.g * out;
      c.i = (c.i + 1) % c.n;
      s += out;
    }
    s *= 0.25;
    for (const p of passes) {
      const d = p.buf[p.i]!;
      const v = -p.g * s + d;
      p.buf[p.i] = s + p.g * v;
      p.i = (p.i + 1) % p.n;
      s = v;
    }
    y[t] = (1 - wet) * x + wet * s;
  }
}

/** Adds `kind` noise of standard deviation about `sigma` to `y`. */
function addNoise(y: Float32Array, rng: Random, kind: NoiseKind, sigma: number): void {
  let brown = 0;
  // Pink: Paul Kellet's economy filter of white noise (within ±0.5 dB of 1/f above 10 Hz at 16 kHz).
  let p0 = 0,
    p1 = 0,
    p2 = 0;
  for (let i = 0; i < y.length; i++) {
    let v = rng.normal();
    if (kind === 'brown') {
      brown = 0.98 * brown + 0.2 * v;
      v = brown;
    } else if (kind === 'pink') {
      p0 = 0.99765 * p0 + v * 0.099046;
      p1 = 0.963 * p1 + v * 0.2965164;
      p2 = 0.57 * p2 + v * 1.0526913;
      v = (p0 + p1 + p2 + v * 0.1848) * 0.6;
    }
    y[i] = y[i]! + sigma * v;
  }
}

const pickNoise = (rng: Random): NoiseKind => (['white', 'pink', 'brown'] as const)[Math.floor(rng.next() * 3)]!;

/** Scales `y` by a gain that moves linearly (in dB) between random points about a second apart, ±swing/2. */
function levelEnvelope(y: Float32Array, rng: Random, swingDb: number): void {
  const step = FS;
  let a = rng.uniform(-0.5, 0.5) * swingDb;
  for (let s = 0; s < y.length; s += step) {
    const b = rng.uniform(-0.5, 0.5) * swingDb;
    const end = Math.min(y.length, s + step);
    for (let i = s; i < end; i++) y[i] = y[i]! * 10 ** ((a + ((b - a) * (i - s)) / step) / 20);
    a = b;
  }
}

function setPeak(y: Float32Array, peakDb: number): void {
  let peak = 0;
  for (let i = 0; i < y.length; i++) peak = Math.max(peak, Math.abs(y[i]!));
  const g = peak > 0 ? 10 ** (peakDb / 20) / peak : 1;
  for (let i = 0; i < y.length; i++) y[i] = y[i]! * g;
}

/** Applies a random variation to one synthesized utterance. */
export function augment(x: Synthesized, rng: Random, strength = 1): { utterance: Utterance; info: AugmentInfo } {
  const warp = 1 + strength * rng.uniform(-0.12, 0.12);
  const u = warpTo16k(x, warp);
  const padStart = rng.uniform(0.05, 0.6),
    padEnd = rng.uniform(0.05, 0.6);
  const n0 = Math.round(padStart * FS),
    n1 = Math.round(padEnd * FS);
  const y = new Float32Array(n0 + u.samples.length + n1);
  // Spectral tilt: y[n] = x[n] - a·x[n-1] (a > 0 brightens, a < 0 darkens).
  const tilt = rng.next() < 0.6 * strength ? rng.uniform(-0.6, 0.9) : 0;
  let prev = 0;
  for (let i = 0; i < u.samples.length; i++) {
    const s = u.samples[i]!;
    y[n0 + i] = s - tilt * prev;
    prev = s;
  }
  let band: AugmentInfo['band'] = null;
  if (rng.next() < 0.35 * strength) {
    band = [Math.round(rng.uniform(60, 400)), Math.round(rng.uniform(3200, 7500))];
    biquad(y, 0, 'high', band[0]);
    biquad(y, 0, 'low', band[1]);
    biquad(y, 0, 'low', band[1]);
  }
  let reverb: AugmentInfo['reverb'] = null;
  if (rng.next() < 0.4 * strength) {
    reverb = [rng.uniform(0.15, 0.9), rng.uniform(0.15, 0.6)];
    reverberate(y, 0, reverb[0], reverb[1]);
  }
  let power = 0;
  for (let i = n0; i < n0 + u.samples.length; i++) power += y[i]! * y[i]!;
  power /= Math.max(1, u.samples.length);
  const noiseKind: NoiseKind = rng.next() < 0.75 * strength ? pickNoise(rng) : 'none';
  // Always a little noise: real recordings are never digitally silent.
  const snrDb = noiseKind === 'none' ? 60 : rng.uniform(8, 40);
  addNoise(y, rng, noiseKind === 'none' ? 'white' : noiseKind, Math.sqrt(power / 10 ** (snrDb / 10)));
  const levelSwingDb = rng.next() < 0.3 * strength ? rng.uniform(3, 12) : 0;
  if (levelSwingDb > 0) levelEnvelope(y, rng, levelSwingDb);
  const peakDb = rng.uniform(-35, -1);
  setPeak(y, peakDb);
  const phones = u.phones.map((p) => ({ ...p, start: p.start + padStart, end: p.end + padStart }));
  return {
    utterance: { samples: y, phones },
    info: {
      warp,
      padStart,
      padEnd,
      tilt,
      band,
      reverb,
      snrDb: noiseKind === 'none' ? null : snrDb,
      noise: noiseKind,
      levelSwingDb,
      peakDb,
    },
  };
}

/** What was drawn for a recording without speech. */
export interface NoiseOnlyInfo {
  seconds: number;
  noise: Exclude<NoiseKind, 'none'>;
  peakDb: number;
}

/** A recording without speech: 1–8 s of white, pink or brown noise peaking at −75 to −35 dBFS. */
export function noiseOnly(rng: Random): { utterance: Utterance; info: NoiseOnlyInfo } {
  const seconds = rng.uniform(1, 8);
  const y = new Float32Array(Math.round(seconds * FS));
  const noise = pickNoise(rng) as NoiseOnlyInfo['noise'];
  addNoise(y, rng, noise, 1);
  const peakDb = rng.uniform(-75, -35);
  setPeak(y, peakDb);
  return { utterance: { samples: y, phones: [] }, info: { seconds, noise, peakDb } };
}
