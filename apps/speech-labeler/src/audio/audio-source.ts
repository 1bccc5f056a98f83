/**
 * Audio in: a WAV file (streamed in blocks from disk) or WAV bytes (in the browser), delivered as
 * 16 kHz mono float blocks.
 */
import { decodeMono, firstNonFinite } from './wav-decode.js';
import { WavError } from './wav-error.js';
import { parseWavHeader, type WavInfo } from './wav-header.js';
import { Resampler } from './resample.js';

/** The sample rate every feature and model works at. */
export const SAMPLE_RATE = 16000;

/** A WAV stream as 16 kHz mono blocks. */
export interface AudioStream {
  readonly info: WavInfo;
  /** Samples at 16 kHz the whole stream will yield. */
  readonly length: number;
  /** Yields 16 kHz mono blocks; `onBytes` reports the input bytes consumed so far. */
  blocks(onBytes?: (done: number, total: number) => void): Iterable<Float32Array>;
}

/** Output length of a stream of `frames` input samples at `rate` converted to 16 kHz. */
export function resampledLength(frames: number, rate: number): number {
  return rate === SAMPLE_RATE ? frames : Math.ceil((frames * SAMPLE_RATE) / rate);
}

/** Reads blocks of sample bytes; `read(offset, length)` returns exactly `length` bytes. */
export type ByteReader = (offset: number, length: number) => Uint8Array;

/** Options of {@link wavStream}. */
export interface WavStreamOptions {
  /** The file's name or path, for error messages (default `audio`). */
  readonly file?: string;
  /** Sample frames read and decoded at a time (default 65,536). */
  readonly blockFrames?: number;
}

/**
 * A stream over any random-access byte source (a file handle, or bytes in memory). Reading the blocks
 * throws a {@link WavError} naming the file, the sample and the channel when a float WAV holds NaN or an
 * infinity.
 */
export function wavStream(info: WavInfo, read: ByteReader, options: WavStreamOptions = {}): AudioStream {
  const { file = 'audio', blockFrames = 1 << 16 } = options;
  const frameBytes = (info.bitsPerSample / 8) * info.channels;
  return {
    info,
    length: resampledLength(info.frames, info.sampleRate),
    *blocks(onBytes) {
      const resampler = new Resampler(info.sampleRate, SAMPLE_RATE);
      for (let f = 0; f < info.frames; f += blockFrames) {
        const n = Math.min(blockFrames, info.frames - f);
        const bytes = read(info.dataOffset + f * frameBytes, n * frameBytes);
        // A new block each time: consumers may keep it (the resampler copies, the identity passes it on).
        const mono = new Float32Array(n);
        decodeMono(bytes, info, mono);
        if (info.encoding === 'float') checkFinite(mono, bytes, info, f, file);
        const out = resampler.push(mono);
        onBytes?.((f + n) * frameBytes, info.dataBytes);
        if (out.length > 0) yield out;
      }
      const tail = resampler.flush();
      if (tail.length > 0) yield tail;
    },
  };
}

/** Throws when the mono block decoded from `bytes` (frames from `first`) holds a sample that is not finite. */
function checkFinite(mono: Float32Array, bytes: Uint8Array, info: WavInfo, first: number, file: string): void {
  let i = 0;
  while (i < mono.length && Number.isFinite(mono[i]!)) i++;
  if (i === mono.length) return;
  const bad = firstNonFinite(bytes, info);
  if (bad)
    throw new WavError(
      file,
      `sample ${first + bad.frame} of channel ${bad.channel + 1} is ${bad.value}; a float WAV must hold finite samples`,
    );
  // Finite 64-bit samples whose mix is beyond the 32-bit float range.
  throw new WavError(
    file,
    `sample ${first + i} is beyond the range of 32-bit floats (about ±3.4e38) when the channels are mixed; samples should lie in [-1, 1]`,
  );
}

/** A stream over a whole WAV file held in memory (a dropped file in the browser, a test fixture). */
export function wavBytesStream(bytes: Uint8Array, file: string): AudioStream {
  const info = parseWavHeader(bytes, bytes.length, file);
  return wavStream(info, (offset, length) => bytes.subarray(offset, offset + length), { file });
}

/** Reads a whole stream into one 16 kHz mono array. */
export function readAll(stream: AudioStream): Float32Array {
  const out = new Float32Array(stream.length);
  let at = 0;
  for (const b of stream.blocks()) {
    out.set(b.subarray(0, Math.min(b.length, out.length - at)), at);
    at += b.length;
  }
  return out;
}
