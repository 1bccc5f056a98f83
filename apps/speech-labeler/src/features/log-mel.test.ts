import { describe, expect, it } from 'vitest';
import { DEFAULT_FEATURES, LogMel, frameCount } from './log-mel.js';
import { VARIANCE_FLOOR, normalizeFeatures } from './band-stats.js';
import { hzToMel, melFilterbank, melToHz } from './mel-filterbank.js';

const cfg = DEFAULT_FEATURES;

function features(x: Float32Array, blocks = [x.length]): Float32Array {
  const fx = new LogMel(cfg, 16);
  let at = 0;
  for (const n of blocks) {
    fx.push(x.subarray(at, at + n));
    at += n;
  }
  return fx.finish();
}

const tone = (f: number, seconds: number, a = 0.3): Float32Array =>
  Float32Array.from({ length: Math.round(seconds * 16000) }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / 16000));

describe('log-mel features', () => {
  it('gives 100 frames per second (one per 10 ms, the last partial hop included)', () => {
    expect(frameCount(16000)).toBe(100);
    expect(frameCount(16001)).toBe(101);
    expect(features(new Float32Array(16000)).length).toBe(100 * cfg.bands);
    expect(features(new Float32Array(1234)).length).toBe(8 * cfg.bands);
  });

  it('puts a pure tone in the band whose centre is nearest its frequency', () => {
    const bands = melFilterbank(cfg.bands, cfg.fftSize, cfg.sampleRate, cfg.fMin, cfg.fMax);
    for (const f of [250, 700, 1500, 3000, 6000]) {
      const x = features(tone(f, 0.5));
      const frame = 25 * cfg.bands; // a frame well inside the tone
      let best = 0;
      for (let b = 1; b < cfg.bands; b++) if (x[frame + b]! > x[frame + best]!) best = b;
      // The nearest centre on the mel scale (the filters are triangles equally spaced in mel).
      let nearest = 0;
      for (let b = 1; b < bands.length; b++)
        if (Math.abs(hzToMel(bands[b]!.centre) - hzToMel(f)) < Math.abs(hzToMel(bands[nearest]!.centre) - hzToMel(f)))
          nearest = b;
      expect(best).toBe(nearest);
    }
  });

  it('log-energy of a tone follows its amplitude: 20·log10(2) dB ↔ ln 4 for twice the amplitude', () => {
    const a = features(tone(1000, 0.3, 0.1)),
      b = features(tone(1000, 0.3, 0.2));
    const frame = 15 * cfg.bands;
    let best = 0;
    for (let k = 1; k < cfg.bands; k++) if (a[frame + k]! > a[frame + best]!) best = k;
    expect(b[frame + best]! - a[frame + best]!).toBeCloseTo(Math.log(4), 3);
  });

  it('gives the same features whatever the block sizes of the stream', () => {
    const x = tone(440, 1.3);
    const whole = features(x);
    const pieces = features(x, [1, 159, 1000, 3, 7000, 12000, x.length - 20163]);
    expect(Array.from(pieces)).toEqual(Array.from(whole));
  });

  it('mel scale: inverse functions, 1000 Hz ↔ 1000 mel', () => {
    expect(hzToMel(1000)).toBeCloseTo(1000, 0);
    for (const f of [0, 100, 4321]) expect(melToHz(hzToMel(f))).toBeCloseTo(f, 6);
  });

  it('normalises each band to zero mean and unit variance over the utterance', () => {
    const x = Float32Array.from({ length: 300 * 3 }, (_, i) => (i % 3) * 10 + Math.sin(i));
    normalizeFeatures(x, 3);
    for (let b = 0; b < 3; b++) {
      let m = 0,
        v = 0;
      for (let t = 0; t < 300; t++) m += x[t * 3 + b]! / 300;
      for (let t = 0; t < 300; t++) v += (x[t * 3 + b]! - m) ** 2 / 300;
      expect(m).toBeCloseTo(0, 5);
      expect(v).toBeCloseTo(1, 3);
    }
  });

  it('hands out the same frames in pieces with take() as finish() does at once', () => {
    const x = tone(440, 1.3);
    const fx = new LogMel(cfg, 4);
    const got: number[] = [],
      levels: number[] = [];
    for (let at = 0; at < x.length; at += 3001) {
      fx.push(x.subarray(at, at + 3001));
      const b = fx.take();
      expect(b.first).toBe(got.length / cfg.bands);
      got.push(...b.features);
      levels.push(...b.levels);
    }
    const last = fx.take(true);
    got.push(...last.features);
    levels.push(...last.levels);
    expect(got).toEqual(Array.from(features(x)));
    expect(levels).toHaveLength(got.length / cfg.bands);
  });

  it('gives each frame its level in dBFS: full scale at 0 dB, white noise at its RMS, a constant (DC) far below, digital silence at -Infinity', () => {
    let s = 7;
    const gauss = (): number => {
      const u = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32,
        v = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
      return Math.sqrt(-2 * Math.log(1 - u)) * Math.cos(2 * Math.PI * v);
    };
    const levelsOf = (x: Float32Array): Float32Array => {
      const fx = new LogMel(cfg);
      fx.push(x);
      return fx.take(true).levels.slice(5, -5); // frames whose window is inside the audio
    };
    const square = Float32Array.from({ length: 8000 }, (_, i) => (i % 80 < 40 ? 1 : -1));
    for (const l of levelsOf(square)) expect(l).toBeCloseTo(0, 0);
    for (const dB of [-20, -70]) {
      const lv = levelsOf(Float32Array.from({ length: 16000 }, () => 10 ** (dB / 20) * gauss()));
      const mean = lv.reduce((a, b) => a + b, 0) / lv.length;
      expect(mean).toBeGreaterThan(dB - 1);
      expect(mean).toBeLessThan(dB + 1);
      for (const l of lv) expect(Math.abs(l - dB)).toBeLessThan(3);
    }
    for (const l of levelsOf(new Float32Array(8000).fill(0.25))) expect(l).toBeLessThan(-100);
    for (const l of levelsOf(new Float32Array(8000))) expect(l).toBe(-Infinity);
  });

  it(`floors the variance a band is normalised by at ${VARIANCE_FLOOR}: a band that barely moves is not blown up to unit variance`, () => {
    const x = Float32Array.from({ length: 300 * 2 }, (_, i) =>
      i % 2 === 0 ? 5 + 3 * Math.sin(i) : -13 + 1e-3 * Math.sin(i),
    );
    normalizeFeatures(x, 2);
    let v0 = 0,
      v1 = 0;
    for (let t = 0; t < 300; t++) {
      v0 += x[2 * t]! ** 2 / 300;
      v1 += x[2 * t + 1]! ** 2 / 300;
    }
    expect(v0).toBeCloseTo(1, 3);
    expect(Math.sqrt(v1)).toBeLessThan(0.01);
  });
});
