/**
 * WAV header parsing with the `wavefile` library, plus the checks that turn a bad file into a clear
 * {@link WavError}: not a WAV file, empty, truncated, or an encoding we do not decode.
 */
import wavefile from 'wavefile';
import { WavError } from './wav-error.js';

/** Where the samples are and how they are encoded. */
export interface WavInfo {
  /**
   * `int`: PCM integers (8-bit unsigned, 16/24/32-bit signed); `float`: IEEE float (32 or 64 bit);
   * `mulaw`, `alaw`: ITU-T G.711 companded 8-bit samples (telephone audio).
   */
  readonly encoding: 'int' | 'float' | 'mulaw' | 'alaw';
  readonly bitsPerSample: 8 | 16 | 24 | 32 | 64;
  readonly channels: number;
  /** Samples per second per channel. */
  readonly sampleRate: number;
  /** Byte offset of the first sample in the file. */
  readonly dataOffset: number;
  /** Bytes of sample data (whole sample frames only). */
  readonly dataBytes: number;
  /** Sample frames (one sample per channel each). */
  readonly frames: number;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_ALAW = 6;
const FORMAT_MULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
const FORMAT_NAMES: Record<number, string> = {
  2: 'Microsoft ADPCM',
  0x11: 'IMA ADPCM',
  0x55: 'MP3',
};

/** The encodings decoded, by format tag. */
const ENCODINGS: Partial<Record<number, WavInfo['encoding']>> = {
  [FORMAT_PCM]: 'int',
  [FORMAT_FLOAT]: 'float',
  [FORMAT_MULAW]: 'mulaw',
  [FORMAT_ALAW]: 'alaw',
};
const ENCODING_NAMES: Record<WavInfo['encoding'], string> = {
  int: 'PCM',
  float: 'float',
  mulaw: 'µ-law',
  alaw: 'A-law',
};
/** The sample widths decoded for each encoding. */
const BITS: Record<WavInfo['encoding'], readonly number[]> = {
  int: [8, 16, 24, 32],
  float: [32, 64],
  mulaw: [8],
  alaw: [8],
};

function ascii(bytes: Uint8Array, start: number, n: number): string {
  let s = '';
  for (let i = start; i < Math.min(bytes.length, start + n); i++)
    s += bytes[i]! >= 32 && bytes[i]! < 127 ? String.fromCharCode(bytes[i]!) : '?';
  return s;
}

/**
 * Byte offset of the first sample: the chunk walk that `wavefile` does too, whose result its public API
 * does not expose. -1 when the data chunk's header is not in `head`.
 */
function findDataOffset(head: Uint8Array): number {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  for (let pos = 12; pos + 8 <= head.length;) {
    const size = view.getUint32(pos + 4, true);
    if (ascii(head, pos, 4) === 'data') return pos + 8;
    pos += 8 + size + (size & 1);
  }
  return -1;
}

/**
 * Parses a WAV header from the first bytes of a file.
 *
 * @param head the file's first bytes (the whole file, or at least everything up to the data chunk)
 * @param fileSize the file's full size in bytes, to detect truncation
 * @param file the file name used in error messages
 *
 * @example
 * ```ts
 * const info = parseWavHeader(bytes, bytes.length, 'speech.wav');
 * console.log(info.sampleRate, info.channels, info.frames);
 * ```
 */
export function parseWavHeader(head: Uint8Array, fileSize: number, file: string): WavInfo {
  if (fileSize === 0) throw new WavError(file, 'empty file (0 bytes)');
  const magic = ascii(head, 0, 4);
  if (fileSize < 12 || !['RIFF', 'RIFX', 'RF64'].includes(magic) || ascii(head, 8, 4) !== 'WAVE') {
    throw new WavError(file, `not a WAV file (starts with "${ascii(head, 0, 4)}", expected "RIFF....WAVE")`);
  }
  if (magic === 'RIFX') throw new WavError(file, 'unsupported encoding: big-endian RIFX WAV');
  const wav = new wavefile.WaveFile();
  try {
    wav.fromBuffer(head, false);
  } catch (e) {
    const why = (e as Error).message;
    if (/fmt/.test(why)) throw new WavError(file, 'truncated or malformed: no "fmt " chunk');
    if (/data/.test(why))
      throw new WavError(
        file,
        fileSize <= head.length ? 'truncated: no "data" chunk' : 'no "data" chunk in the first bytes of the file',
      );
    throw new WavError(file, `malformed WAV: ${why}`);
  }
  const fmt = wav.fmt as {
    audioFormat: number;
    numChannels: number;
    sampleRate: number;
    bitsPerSample: number;
    blockAlign: number;
    subformat?: number[];
  };
  let format = fmt.audioFormat;
  if (format === FORMAT_EXTENSIBLE) format = fmt.subformat?.[0] ?? 0;
  const bits = fmt.bitsPerSample;
  const encoding: WavInfo['encoding'] | undefined = ENCODINGS[format];
  if (encoding === undefined) {
    throw new WavError(
      file,
      `unsupported encoding: ${FORMAT_NAMES[format] ?? `format tag ${format}`} (expected PCM, IEEE float, µ-law or A-law)`,
    );
  }
  const okBits = BITS[encoding];
  if (!okBits.includes(bits))
    throw new WavError(
      file,
      `unsupported encoding: ${bits}-bit ${ENCODING_NAMES[encoding]} (expected ${okBits.join('/')}-bit)`,
    );
  if (!(fmt.numChannels >= 1)) throw new WavError(file, `malformed WAV: ${fmt.numChannels} channels`);
  if (!(fmt.sampleRate >= 1000 && fmt.sampleRate <= 768000))
    throw new WavError(file, `unsupported sample rate ${fmt.sampleRate} Hz (expected 1000 to 768000)`);
  const dataOffset = findDataOffset(head);
  if (dataOffset < 0) throw new WavError(file, 'truncated or malformed: the "data" chunk header was not found');
  let declared = (wav.data as { chunkSize: number }).chunkSize;
  if (magic === 'RF64') {
    const ds64 = wav.ds64 as { dataChunkSizeHigh?: number; dataChunkSizeLow?: number };
    declared = (ds64.dataChunkSizeHigh ?? 0) * 2 ** 32 + (ds64.dataChunkSizeLow ?? 0);
  }
  const available = fileSize - dataOffset;
  // Writers that stream (and never come back to fix the header) leave 0 or 0xFFFFFFFF: read to the end of the file.
  if (declared === 0xffffffff || (declared === 0 && available > 0)) declared = available;
  if (declared > available) {
    throw new WavError(file, `truncated: the data chunk declares ${declared} bytes but only ${available} follow`);
  }
  const frameBytes = (bits / 8) * fmt.numChannels;
  const frames = Math.floor(declared / frameBytes);
  if (declared === 0) throw new WavError(file, 'empty: the data chunk holds no samples');
  if (frames === 0) {
    throw new WavError(
      file,
      `header says ${fmt.numChannels} channels of ${bits}-bit samples (${frameBytes} bytes a frame) but the data chunk holds ${declared} bytes, less than one frame`,
    );
  }
  return {
    encoding,
    bitsPerSample: bits as WavInfo['bitsPerSample'],
    channels: fmt.numChannels,
    sampleRate: fmt.sampleRate,
    dataOffset,
    dataBytes: frames * frameBytes,
    frames,
  };
}
