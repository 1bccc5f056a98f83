import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import wavefile from 'wavefile';
import { parseWavHeader } from './wav-header.js';
import { decodeMono } from './wav-decode.js';
import { readAll, wavBytesStream } from './audio-source.js';
import { WavError } from './wav-error.js';
import { openWavFile } from './wav-file.js';

const { WaveFile } = wavefile;

/** Full-scale integer range of each bit depth (wavefile's sample values). */
const RANGE: Record<string, { lo: number; hi: number; zero: number }> = {
  '8': { lo: 0, hi: 255, zero: 128 },
  '16': { lo: -32768, hi: 32767, zero: 0 },
  '24': { lo: -8388608, hi: 8388607, zero: 0 },
  '32': { lo: -2147483648, hi: 2147483647, zero: 0 },
};

/** x in [-1, 1) as wavefile's sample value for `depth`. */
function toSample(x: number, depth: string): number {
  if (depth === '32f' || depth === '64') return x;
  const r = RANGE[depth]!;
  const half = (r.hi - r.lo + 1) / 2;
  return Math.max(r.lo, Math.min(r.hi, Math.round(r.zero + x * half)));
}

function makeWav(depth: string, channels: number[][], rate = 16000): Uint8Array {
  const w = new WaveFile();
  w.fromScratch(
    channels.length,
    rate,
    depth,
    channels.map((c) => c.map((x) => toSample(x, depth))),
  );
  return w.toBuffer();
}

/** A G.711 WAV (8-bit codes) of `channels` (samples in [-1, 1]) made by wavefile from 16-bit PCM. */
function makeG711(encoding: 'mulaw' | 'alaw', channels: number[][], rate: number): Uint8Array {
  const w = new WaveFile();
  w.fromScratch(
    channels.length,
    rate,
    '16',
    channels.map((c) => c.map((x) => toSample(x, '16'))),
  );
  if (encoding === 'mulaw') w.toMuLaw();
  else w.toALaw();
  return w.toBuffer();
}

const tone = (n: number, f: number, rate: number, a = 0.5): number[] =>
  Array.from({ length: n }, (_, i) => a * Math.sin((2 * Math.PI * f * i) / rate));

describe('reading WAV files', () => {
  for (const depth of ['8', '16', '24', '32', '32f', '64']) {
    it(`decodes ${depth === '32f' ? '32-bit float' : depth === '64' ? '64-bit float' : `${depth}-bit PCM`} mono to the written samples`, () => {
      const x = tone(1600, 440, 16000);
      const bytes = makeWav(depth, [x]);
      const info = parseWavHeader(bytes, bytes.length, 'tone.wav');
      expect(info).toMatchObject({
        channels: 1,
        sampleRate: 16000,
        frames: 1600,
        encoding: depth === '32f' || depth === '64' ? 'float' : 'int',
      });
      const y = readAll(wavBytesStream(bytes, 'tone.wav'));
      // Quantisation error is at most half a step of the bit depth.
      const step = depth === '32f' || depth === '64' ? 1e-7 : (1 / (RANGE[depth]!.hi - RANGE[depth]!.lo + 1)) * 2;
      for (let i = 0; i < x.length; i++) expect(Math.abs(y[i]! - x[i]!)).toBeLessThanOrEqual(step / 2 + 1e-7);
    });
  }

  it('averages the channels of a multi-channel file', () => {
    const n = 800;
    const bytes = makeWav('16', [Array(n).fill(0.5), Array(n).fill(-0.25), Array(n).fill(0.125)]);
    const y = readAll(wavBytesStream(bytes, 'three.wav'));
    expect(y.length).toBe(n);
    for (const v of y) expect(v).toBeCloseTo((0.5 - 0.25 + 0.125) / 3, 4);
  });

  it('decodes every encoding as wavefile does (an independent decoder), including stereo', () => {
    for (const depth of ['8', '16', '24', '32', '32f', '64']) {
      const bytes = makeWav(depth, [tone(500, 300, 8000, 0.9), tone(500, 1100, 8000, -0.7)], 8000);
      const info = parseWavHeader(bytes, bytes.length, 'x.wav');
      const ours = new Float32Array(info.frames);
      decodeMono(bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes), info, ours);
      const ref = new WaveFile();
      ref.fromBuffer(bytes);
      const [a, b] = ref.getSamples(false, Float64Array) as unknown as Float64Array[];
      const r = RANGE[depth];
      const scale = r ? (r.hi - r.lo + 1) / 2 : 1;
      for (let i = 0; i < info.frames; i++) {
        const want = ((a![i]! - (r?.zero ?? 0)) / scale + (b![i]! - (r?.zero ?? 0)) / scale) / 2;
        expect(ours[i]).toBeCloseTo(want, 6);
      }
    }
  });

  it('reads WAVE_FORMAT_EXTENSIBLE files (24-bit stereo PCM, the usual layout of multi-channel recordings)', () => {
    const frames = 300,
      C = 2,
      bytesPer = 3;
    const data = new Uint8Array(frames * C * bytesPer);
    const want: number[] = [];
    for (let i = 0; i < frames; i++) {
      const l = Math.round(0.6 * Math.sin(i / 7) * 8388607),
        r = Math.round(-0.2 * 8388607);
      [l, r].forEach((v, c) => {
        const u = v < 0 ? v + 0x1000000 : v;
        data.set([u & 0xff, (u >> 8) & 0xff, (u >> 16) & 0xff], (i * C + c) * bytesPer);
      });
      want.push((l / 8388608 + r / 8388608) / 2);
    }
    const fmt = new DataView(new ArrayBuffer(40));
    fmt.setUint16(0, 0xfffe, true); // WAVE_FORMAT_EXTENSIBLE
    fmt.setUint16(2, C, true);
    fmt.setUint32(4, 48000, true);
    fmt.setUint32(8, 48000 * C * bytesPer, true);
    fmt.setUint16(12, C * bytesPer, true);
    fmt.setUint16(14, 24, true);
    fmt.setUint16(16, 22, true); // cbSize
    fmt.setUint16(18, 24, true); // valid bits
    fmt.setUint32(20, 3, true); // front left + right
    [0x00000001, 0x00100000, 0xaa000080, 0x719b3800].forEach((w, i) => fmt.setUint32(24 + 4 * i, w, true)); // KSDATAFORMAT_SUBTYPE_PCM
    const chunk = (id: string, body: Uint8Array): Uint8Array => {
      const head = new DataView(new ArrayBuffer(8));
      for (let i = 0; i < id.length; i++) head.setUint8(i, id.charCodeAt(i));
      head.setUint32(4, body.length, true);
      return new Uint8Array([...new Uint8Array(head.buffer), ...body]);
    };
    const body = new Uint8Array([
      ...new TextEncoder().encode('WAVE'),
      ...chunk('fmt ', new Uint8Array(fmt.buffer)),
      ...chunk('data', data),
    ]);
    const bytes = chunk('RIFF', body);
    const info = parseWavHeader(bytes, bytes.length, 'ext.wav');
    expect(info).toMatchObject({ encoding: 'int', bitsPerSample: 24, channels: 2, sampleRate: 48000, frames });
    const y = new Float32Array(frames);
    decodeMono(bytes.subarray(info.dataOffset), info, y);
    for (let i = 0; i < frames; i++) expect(y[i]).toBeCloseTo(want[i]!, 6);
  });

  it('decodes G.711 µ-law and A-law (telephone audio) to the values of the standard', () => {
    // ITU-T G.711 code bytes and the values they stand for: µ-law's 14-bit values (±8031 at the ends, ±2
    // next to zero) times 4 and A-law's 13-bit values (±4032, ±1) times 8, on the 16-bit scale.
    const cases = {
      mulaw: [
        [0xff, 0],
        [0x7f, 0],
        [0x80, 32124],
        [0x00, -32124],
        [0xfe, 8],
        [0x7e, -8],
      ],
      alaw: [
        [0xd5, 8],
        [0x55, -8],
        [0xaa, 32256],
        [0x2a, -32256],
      ],
    } as const;
    for (const [encoding, pairs] of Object.entries(cases) as [
      'mulaw' | 'alaw',
      readonly (readonly [number, number])[],
    ][]) {
      const bytes = new Uint8Array(pairs.map(([code]) => code));
      const out = new Float32Array(bytes.length);
      const info = {
        encoding,
        bitsPerSample: 8,
        channels: 1,
        sampleRate: 8000,
        dataOffset: 0,
        dataBytes: bytes.length,
        frames: bytes.length,
      } as const;
      expect(decodeMono(bytes, info, out)).toBe(bytes.length);
      expect(Array.from(out)).toEqual(pairs.map(([, value]) => value / 32768));
    }
  });

  for (const encoding of ['mulaw', 'alaw'] as const) {
    const name = encoding === 'mulaw' ? 'µ-law' : 'A-law';
    it(`reads ${name} WAV files, mono and stereo, as wavefile decodes them, within G.711's error of the signal`, () => {
      const x = tone(4000, 440, 8000, 0.6),
        y = tone(4000, 1300, 8000, -0.3);
      for (const channels of [[x], [x, y]]) {
        const bytes = makeG711(encoding, channels, 8000);
        const info = parseWavHeader(bytes, bytes.length, 'phone.wav');
        expect(info).toMatchObject({
          encoding,
          bitsPerSample: 8,
          channels: channels.length,
          sampleRate: 8000,
          frames: 4000,
        });
        const ours = new Float32Array(info.frames);
        decodeMono(bytes.subarray(info.dataOffset, info.dataOffset + info.dataBytes), info, ours);
        // wavefile expands the codes to 16-bit PCM with its own decoder.
        const ref = new WaveFile();
        ref.fromBuffer(bytes);
        if (encoding === 'mulaw') ref.fromMuLaw();
        else ref.fromALaw();
        const planes = ref.getSamples(false, Float64Array) as unknown as Float64Array[] | Float64Array;
        const chans = channels.length === 1 ? [planes as Float64Array] : (planes as Float64Array[]);
        let signal = 0,
          error = 0;
        for (let i = 0; i < info.frames; i++) {
          const want = chans.reduce((s, c) => s + c[i]! / 32768, 0) / chans.length;
          expect(ours[i]).toBeCloseTo(want, 7);
          const written = channels.reduce((s, c) => s + c[i]!, 0) / channels.length;
          signal += written ** 2;
          error += (ours[i]! - written) ** 2;
        }
        // G.711 keeps a tone at these levels about 35 dB above its quantisation noise.
        expect(10 * Math.log10(signal / error)).toBeGreaterThan(30);
      }
    });
  }

  it('resamples any rate to 16 kHz, keeping a tone at its frequency', () => {
    for (const rate of [8000, 22050, 44100, 48000]) {
      const seconds = 0.5;
      const x = tone(Math.round(rate * seconds), 1000, rate, 0.5);
      const y = readAll(wavBytesStream(makeWav('32f', [x], rate), `tone-${rate}.wav`));
      expect(y.length).toBe(Math.ceil((x.length * 16000) / rate));
      // Away from the edges (the filter's reach), the output is the same tone sampled at 16 kHz.
      for (let n = 400; n < y.length - 400; n++)
        expect(Math.abs(y[n]! - 0.5 * Math.sin((2 * Math.PI * 1000 * n) / 16000))).toBeLessThan(5e-3);
    }
  });

  it('removes what 16 kHz cannot hold (a 12 kHz tone at 48 kHz)', () => {
    const y = readAll(wavBytesStream(makeWav('32f', [tone(24000, 12000, 48000, 0.5)], 48000), 'high.wav'));
    let e = 0;
    for (let n = 400; n < y.length - 400; n++) e += y[n]! * y[n]!;
    expect(Math.sqrt(e / (y.length - 800))).toBeLessThan(0.005); // < -40 dB of the 0.35 RMS input
  });
});

describe('bad files', () => {
  const err = (bytes: Uint8Array, name = 'bad.wav'): WavError => {
    try {
      parseWavHeader(bytes, bytes.length, name);
    } catch (e) {
      return e as WavError;
    }
    throw new Error('expected a WavError');
  };

  it('names the file and says it is empty', () => {
    const e = err(new Uint8Array(0), 'empty.wav');
    expect(e).toBeInstanceOf(WavError);
    expect(e.message).toBe('empty.wav: empty file (0 bytes)');
  });

  it('says a file is not a WAV file', () => {
    expect(err(new TextEncoder().encode('ID3\u0004 this is an mp3, honest'), 'song.wav').message).toMatch(
      /^song\.wav: not a WAV file \(starts with "ID3\?"/,
    );
  });

  it('says a file is truncated', () => {
    const bytes = makeWav('16', [tone(1600, 440, 16000)]);
    const e = err(bytes.subarray(0, 1000), 'cut.wav');
    expect(e.message).toBe(`cut.wav: truncated: the data chunk declares 3200 bytes but only ${1000 - 44} follow`);
    expect(err(bytes.subarray(0, 30), 'header.wav').message).toMatch(/^header\.wav: truncated/);
  });

  it('says which encoding is unsupported', () => {
    const w = new WaveFile();
    w.fromScratch(
      1,
      8000,
      '16',
      tone(800, 440, 8000).map((x) => Math.round(x * 32767)),
    );
    w.toIMAADPCM();
    expect(err(w.toBuffer(), 'adpcm.wav').message).toBe(
      'adpcm.wav: unsupported encoding: IMA ADPCM (expected PCM, IEEE float, µ-law or A-law)',
    );
    // A µ-law header that declares 16-bit samples (G.711 codes are 8 bits).
    const m = makeG711('mulaw', [tone(800, 440, 8000)], 8000);
    const at = 20 + 14; // the fmt chunk's bitsPerSample
    expect(new DataView(m.buffer, m.byteOffset).getUint16(at, true)).toBe(8);
    new DataView(m.buffer, m.byteOffset).setUint16(at, 16, true);
    expect(err(m, 'wide.wav').message).toBe('wide.wav: unsupported encoding: 16-bit µ-law (expected 8-bit)');
  });

  it('says a data chunk without samples is empty', () => {
    const w = new WaveFile();
    w.fromScratch(1, 16000, '16', []);
    expect(err(w.toBuffer(), 'silent.wav').message).toBe('silent.wav: empty: the data chunk holds no samples');
  });

  it('says which sample of which channel of a float WAV is not a finite number', () => {
    const readErr = (bytes: Uint8Array): string => {
      try {
        readAll(wavBytesStream(bytes, 'speech.wav'));
      } catch (e) {
        expect(e).toBeInstanceOf(WavError);
        return (e as Error).message;
      }
      throw new Error('expected a WavError');
    };
    expect(readErr(makeWav('32f', [[NaN, 0.1, 0.2]]))).toBe(
      'speech.wav: sample 0 of channel 1 is NaN; a float WAV must hold finite samples',
    );
    const right = tone(100, 440, 16000);
    right[3] = -Infinity;
    expect(readErr(makeWav('64', [tone(100, 300, 16000), right]))).toBe(
      'speech.wav: sample 3 of channel 2 is -Infinity; a float WAV must hold finite samples',
    );
    // Past the first block of samples read: the index counts from the start of the file.
    const long = Array.from({ length: 70_000 }, () => 0);
    long[69_999] = Infinity;
    expect(readErr(makeWav('32f', [long]))).toBe(
      'speech.wav: sample 69999 of channel 1 is Infinity; a float WAV must hold finite samples',
    );
  });

  it('says when the channel count of the header leaves the data chunk less than one frame', () => {
    const bytes = makeWav('16', [tone(500, 440, 16000)]);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    view.setUint16(22, 65535, true); // numChannels
    view.setUint16(32, 65535 * 2, true); // blockAlign (wraps; readers take it from the channels and bits)
    expect(err(bytes, 'speech.wav').message).toBe(
      'speech.wav: header says 65535 channels of 16-bit samples (131070 bytes a frame) but the data chunk holds 1000 bytes, less than one frame',
    );
  });

  it('says a folder is a folder, not a WAV file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'folder-'));
    expect(() => openWavFile(dir)).toThrow(new WavError(dir, 'is a folder, not a WAV file'));
    const named = join(dir, 'speech.wav');
    mkdirSync(named); // a folder with a WAV file's name
    expect(() => openWavFile(named)).toThrow(`${named}: is a folder, not a WAV file`);
  });
});
