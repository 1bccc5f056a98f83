/**
 * The whole pipeline with the committed model: silence and faint noise come out as `sil`, and the
 * streamed labelling hands on the same labels, features and segments as a run over the whole file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTsBackend } from '@attnkit/backend-ts';
import type { Backend } from '@attnkit/core';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { readAll, wavBytesStream } from '../audio/audio-source.js';
import { openWavFile } from '../audio/wav-file.js';
import { normalizeFeatures } from '../features/band-stats.js';
import { DEFAULT_FEATURES, LogMel } from '../features/log-mel.js';
import { listEvalPairs } from '../eval/evaluate.js';
import { framesToSegments, type Segment } from '../labels/segments.js';
import { loadModelFile } from '../model/model-node.js';
import { runChunked } from '../model/chunked-run.js';
import { generated } from '../test-support.js';
import { fileFrameSpool } from '../cli/frame-spool-file.js';
import { createLabeler, type Labeler } from './labeler.js';

let backend: Backend;
let labeler: Labeler;

beforeAll(async () => {
  backend = createTsBackend();
  labeler = await createLabeler(backend, loadModelFile());
});

afterAll(async () => {
  await labeler?.dispose();
  await backend?.dispose();
});

/** A seeded 16 kHz WAV of `seconds` whose samples come from `sample` (in [-1, 1]), in `depth`. */
function wav(seconds: number, sample: (random: () => number) => number, depth: '16' | '32f' = '32f'): Uint8Array {
  let state = 12345;
  const random = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const x = Array.from({ length: seconds * 16000 }, () => sample(random));
  const w = new wavefile.WaveFile();
  w.fromScratch(
    1,
    16000,
    depth,
    depth === '16' ? x.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * 32768)))) : x,
  );
  return w.toBuffer();
}

/** Gaussian noise of RMS `10^(dB/20)`. */
const noise =
  (dB: number) =>
  (random: () => number): number =>
    10 ** (dB / 20) * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

async function silFraction(bytes: Uint8Array, name: string): Promise<number> {
  const { labels } = await labeler.label(wavBytesStream(bytes, name));
  return labels.filter((l) => l === 0).length / labels.length;
}

describe('silence and faint noise', () => {
  it('labels digital silence `sil` (16-bit and float)', async () => {
    expect(
      await silFraction(
        wav(4, () => 0, '16'),
        'zeros.wav',
      ),
    ).toBe(1);
    expect(
      await silFraction(
        wav(4, () => 0),
        'zeros-float.wav',
      ),
    ).toBe(1);
  });

  it('labels white noise at -70 dBFS and below `sil` on at least 99% of frames', async () => {
    for (const dB of [-70, -80, -100])
      expect(await silFraction(wav(4, noise(dB)), `noise${dB}.wav`), `${dB} dBFS`).toBeGreaterThanOrEqual(0.99);
  });

  it('labels low-level noise without speech (white, pink, brown at -60 to -40 dBFS) `sil` on at least 99% of frames', async () => {
    // Above the absolute floor of -65 dBFS: the model, trained on such recordings, and the local-floor rule decide.
    // Each colour is filtered white noise (pink: Paul Kellet's filter; brown: a leaky integrator), scaled
    // to the exact RMS.
    const coloured = (kind: 'white' | 'pink' | 'brown', dB: number): ((random: () => number) => number) => {
      let state = 99;
      const random = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
      const white = noise(0);
      let p0 = 0,
        p1 = 0,
        p2 = 0,
        b = 0;
      const x = Float64Array.from({ length: 6 * 16000 }, () => {
        const v = white(random);
        if (kind === 'brown') return (b = 0.98 * b + 0.2 * v);
        if (kind === 'white') return v;
        p0 = 0.99765 * p0 + v * 0.099046;
        p1 = 0.963 * p1 + v * 0.2965164;
        p2 = 0.57 * p2 + v * 1.0526913;
        return p0 + p1 + p2 + v * 0.1848;
      });
      const g = 10 ** (dB / 20) / Math.sqrt(x.reduce((a, v) => a + v * v, 0) / x.length);
      let i = 0;
      return () => g * x[i++]!;
    };
    const fractions: Record<string, number> = {};
    for (const dB of [-60, -50, -40])
      for (const kind of ['white', 'pink', 'brown'] as const)
        fractions[`${kind} ${dB} dBFS`] = await silFraction(wav(6, coloured(kind, dB)), `${kind}${dB}.wav`);
    for (const [name, f] of Object.entries(fractions)) expect(f, name).toBeGreaterThanOrEqual(0.99);
  });

  it('labels 16-bit dither (±1 LSB, triangular) `sil` on at least 99% of frames', async () => {
    expect(
      await silFraction(
        wav(4, (r) => (r() - r()) / 32768, '16'),
        'dither.wav',
      ),
    ).toBeGreaterThanOrEqual(0.99);
  });
});

describe('streamed labelling', () => {
  let audio: Float32Array;

  beforeAll(async () => {
    // Two held-out utterances back to back: several chunks of 250 frames.
    const pairs = listEvalPairs(await generated('heldout', 2, 4343));
    const parts = pairs.map((p) => {
      const s = openWavFile(p.wav);
      try {
        return readAll(s);
      } finally {
        s.close();
      }
    });
    audio = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (audio.set(p, at), at + p.length), 0);
  });

  it('gives the labels of one model run over the whole file (on speech the silence rule changes none)', async () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(1, 16000, '32f', audio);
    const stream = wavBytesStream(w.toBuffer(), 'speech.wav');
    const fx = new LogMel(DEFAULT_FEATURES);
    fx.push(readAll(stream));
    const whole = await runChunked(labeler.model, normalizeFeatures(fx.finish(), 40), 40, {
      chunk: 1_000_000,
      context: 0,
      batch: 1,
    });
    // Small chunks and calls: many calls, each with context cut from the frames streamed so far.
    const small = await createLabeler(backend, loadModelFile(), { chunk: 60, batch: 3 });
    try {
      const r = await small.label(stream);
      expect(r.labels.length).toBeGreaterThan(2 * 60 * 3); // three calls or more
      expect(Array.from(r.labels)).toEqual(Array.from(whole.labels));
    } finally {
      await small.dispose();
    }
  });

  it('hands on features, labels and segments as they come, equal to the kept result', async () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(
      1,
      16000,
      '16',
      Array.from(audio, (v) => Math.round(v * 32767)),
    );
    const stream = wavBytesStream(w.toBuffer(), 'speech.wav');
    const kept = await labeler.label(stream);
    const segments: Segment[] = [];
    const labels: number[] = [];
    const features: number[] = [];
    let frames = -1;
    const r = await labeler.labelStream(stream, {
      onStart: (T) => void (frames = T),
      onFeatures: (first, f) => (expect(first).toBe(features.length / 40), features.push(...f)),
      onLabels: (first, l) => (expect(first).toBe(labels.length), labels.push(...l)),
      onSegment: (s) => void segments.push(s),
    });
    expect(frames).toBe(kept.labels.length);
    expect(r.frames).toBe(frames);
    expect(labels).toEqual(Array.from(kept.labels));
    expect(features).toEqual(Array.from(kept.features));
    expect(segments).toEqual(kept.segments);
    expect(segments).toEqual(framesToSegments(kept.labels, r.duration));
  });

  it('with frames spooled in a file, gives the same features, labels and segments, and removes the file', async () => {
    const w = new wavefile.WaveFile();
    w.fromScratch(1, 16000, '32f', audio);
    const bytes = w.toBuffer();
    const parent = mkdtempSync(join(tmpdir(), 'spool-'));
    const spooled = await createLabeler(
      backend,
      loadModelFile(),
      { chunk: 60, batch: 3 },
      {
        spool: () => fileFrameSpool(40, parent),
      },
    );
    const plain = await createLabeler(backend, loadModelFile(), { chunk: 60, batch: 3 });
    try {
      let during: string[] = [];
      const a = await spooled.label(wavBytesStream(bytes, 'speech.wav'), (stage) => {
        if (stage === 'model') during = readdirSync(parent);
      });
      const b = await plain.label(wavBytesStream(bytes, 'speech.wav'));
      expect(during).toHaveLength(1); // the spool's folder, while the model runs
      expect(readdirSync(parent)).toEqual([]);
      expect(Array.from(a.features)).toEqual(Array.from(b.features));
      expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
      expect(a.segments).toEqual(b.segments);
      // A bad file: the spool is removed too.
      const bad = new Uint8Array(bytes);
      new DataView(bad.buffer).setFloat32(44 + 4 * 1000, NaN, true);
      await expect(spooled.label(wavBytesStream(bad, 'bad.wav'))).rejects.toThrow(/NaN/);
      expect(readdirSync(parent)).toEqual([]);
    } finally {
      await spooled.dispose();
      await plain.dispose();
    }
  });
});
