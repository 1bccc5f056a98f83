/**
 * Sample decoding: bytes of a WAV data chunk to mono float samples in [-1, 1), channels averaged.
 *
 * Typed-array views over whole blocks; `wavefile`'s generic per-sample unpacker (which the tests use as
 * the independent reference) runs ~60 ns a sample, too slow for an hour of audio in seconds.
 */
import * as g711 from 'alawmulaw';
import type { WavInfo } from './wav-header.js';

// Node loads the package's CommonJS build (the codecs under `default`), bundlers its ES module (named exports).
const codecs = (g711 as unknown as { default?: typeof g711 }).default ?? g711;

/** The 256 values of a G.711 code byte in [-1, 1), from `alawmulaw`'s decoder (16-bit values / 32768). */
function companding(decode: (code: number) => number): Float32Array {
  return Float32Array.from({ length: 256 }, (_, code) => decode(code) / 32768);
}
let tables: { mulaw: Float32Array; alaw: Float32Array } | undefined;
/** The decoding table of a companded encoding (made on first use). */
function table(encoding: 'mulaw' | 'alaw'): Float32Array {
  tables ??= { mulaw: companding(codecs.mulaw.decodeSample), alaw: companding(codecs.alaw.decodeSample) };
  return tables[encoding];
}

/**
 * Decodes `bytes` (whole sample frames of `info`'s encoding) into `out` as mono samples.
 * @returns the number of sample frames decoded
 */
export function decodeMono(bytes: Uint8Array, info: WavInfo, out: Float32Array): number {
  const C = info.channels;
  const width = info.bitsPerSample / 8;
  const n = Math.floor(bytes.length / (width * C));
  if (out.length < n) throw new RangeError(`decodeMono: output holds ${out.length} samples, need ${n}`);
  // Typed views need an aligned offset; copy the block when it is not.
  const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  const buf = aligned.buffer,
    off = aligned.byteOffset,
    count = n * C;
  const gain = 1 / C;
  if (info.bitsPerSample === 24) {
    const scale = gain / 8388608;
    for (let i = 0, p = 0; i < n; i++) {
      let acc = 0;
      for (let c = 0; c < C; c++, p += 3) {
        const v = aligned[p]! | (aligned[p + 1]! << 8) | (aligned[p + 2]! << 16);
        acc += (v << 8) >> 8; // sign-extend 24 to 32 bits
      }
      out[i] = acc * scale;
    }
    return n;
  }
  if (info.encoding === 'mulaw' || info.encoding === 'alaw') {
    const t = table(info.encoding);
    for (let i = 0, p = 0; i < n; i++) {
      let acc = 0;
      for (let c = 0; c < C; c++) acc += t[aligned[p++]!]!;
      out[i] = acc * gain;
    }
    return n;
  }
  if (info.encoding === 'float') {
    if (info.bitsPerSample === 32) mix(new Float32Array(buf, off, count), n, C, gain, 0, out);
    else mix(new Float64Array(buf, off, count), n, C, gain, 0, out);
  } else if (info.bitsPerSample === 8) {
    mix(new Uint8Array(buf, off, count), n, C, gain / 128, -128, out);
  } else if (info.bitsPerSample === 16) {
    mix(new Int16Array(buf, off, count), n, C, gain / 32768, 0, out);
  } else {
    mix(new Int32Array(buf, off, count), n, C, gain / 2147483648, 0, out);
  }
  return n;
}

type View = Float32Array | Float64Array | Uint8Array | Int16Array | Int32Array;

/** `out[i] = (Σ_c view[i·C + c] + C·bias) · scale`; one loop per channel layout (monomorphic per call site type). */
function mix(view: View, n: number, C: number, scale: number, bias: number, out: Float32Array): void {
  if (C === 1) {
    for (let i = 0; i < n; i++) out[i] = (view[i]! + bias) * scale;
  } else if (C === 2) {
    const b2 = 2 * bias;
    for (let i = 0, p = 0; i < n; i++, p += 2) out[i] = (view[p]! + view[p + 1]! + b2) * scale;
  } else {
    for (let i = 0, p = 0; i < n; i++) {
      let acc = 0;
      for (let c = 0; c < C; c++) acc += view[p++]! + bias;
      out[i] = acc * scale;
    }
  }
}

/**
 * The first sample of `bytes` (whole sample frames of a float encoding of `info`) that is NaN or
 * infinite: its frame and channel (0-based) and its value; undefined when every sample is finite.
 */
export function firstNonFinite(
  bytes: Uint8Array,
  info: WavInfo,
): { frame: number; channel: number; value: number } | undefined {
  if (info.encoding !== 'float') return undefined;
  const C = info.channels,
    width = info.bitsPerSample / 8;
  const n = Math.floor(bytes.length / (width * C));
  const aligned = bytes.byteOffset % width === 0 ? bytes : bytes.slice();
  const view =
    width === 4
      ? new Float32Array(aligned.buffer, aligned.byteOffset, n * C)
      : new Float64Array(aligned.buffer, aligned.byteOffset, n * C);
  for (let i = 0; i < view.length; i++) {
    if (!Number.isFinite(view[i]!)) return { frame: Math.floor(i / C), channel: i % C, value: view[i]! };
  }
  return undefined;
}
