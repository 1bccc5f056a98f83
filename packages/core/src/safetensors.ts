/**
 * The safetensors format: an 8-byte little-endian header length, a JSON header
 * `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: { string: string } }`, then the
 * raw little-endian tensor bytes. No package for it exists in the registries this project uses, and the
 * format is small, so core implements it without dependencies.
 */
import { AttnkitError } from './errors.js';
import { halfBits, isHalf, type HalfTensor } from './half-tensor.js';
import { sizeOf, type Tensor } from './tensor.js';
import { weightsMap, type Weights } from './weights.js';

/**
 * A decoded safetensors file: float32 tensors, and float16 ones (`HalfTensor`) when decoded with
 * `keepFloat16`.
 */
export interface SafetensorsFile<T extends Tensor | HalfTensor = Tensor> {
  /**
   * Every tensor of the file by name, in header order, each a new array: converted to float32, or, with
   * `keepFloat16`, F16 tensors as float16.
   */
  readonly tensors: Map<string, T>;
  /** The file's `__metadata__` strings; `{}` when it has none. */
  readonly metadata: Record<string, string>;
}

/** Options of {@link decodeSafetensors}. */
export interface DecodeSafetensorsOptions {
  /**
   * F16 tensors come back as float16 `HalfTensor`s (a copy of their bits) instead of being widened to
   * float32, so that `compile(spec, weights, { dtype: 'float16' })` holds them as they were stored.
   * Default false. BF16 tensors are widened to float32 either way: bfloat16 has float32's exponent range,
   * and narrowing it to float16 could overflow or lose small values (a float16 compile narrows them,
   * refusing values beyond ±65504).
   */
  readonly keepFloat16?: boolean;
}

const DTYPE_BYTES: Record<string, number> = { F32: 4, F64: 8, F16: 2, BF16: 2 };

/**
 * Encodes named tensors as safetensors bytes (names sorted; data 8-byte aligned): float32 tensors as F32,
 * float16 ones as F16.
 *
 * @example
 * ```ts
 * writeFileSync('model.safetensors', encodeSafetensors(weights, { format: 'attnkit' }));
 * ```
 */
export function encodeSafetensors(weights: Weights, metadata: Record<string, string> = {}): Uint8Array {
  const map = weightsMap(weights);
  const names = [...map.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = map.get(name)!;
    const half = isHalf(t) && ArrayBuffer.isView(t.data) && t.data.byteLength === 2 * t.data.length;
    if (!(half || t.data instanceof Float32Array) || t.data.length !== sizeOf(t.shape)) {
      throw new AttnkitError(
        'ERR_WEIGHTS',
        `encodeSafetensors: "${name}" must be a float32 or float16 tensor whose data matches its shape`,
        name,
      );
    }
    const bytes = t.data.byteLength;
    header[name] = { dtype: half ? 'F16' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = map.get(name)!;
    const dst = new DataView(out.buffer, at, t.data.byteLength);
    if (isHalf(t)) {
      const bits = halfBits(t.data);
      for (let i = 0; i < bits.length; i++) dst.setUint16(i * 2, bits[i]!, true);
    } else {
      const data = t.data;
      for (let i = 0; i < data.length; i++) dst.setFloat32(i * 4, data[i]!, true);
    }
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Decodes safetensors bytes. F32, F64, F16 and BF16 tensors are read and converted to float32 (exactly,
 * except F64), or, with `keepFloat16`, F16 tensors are kept as float16.
 *
 * @example
 * ```ts
 * const { tensors } = decodeSafetensors(readFileSync('model.safetensors'), { keepFloat16: true });
 * const model = await backend.compile(spec, tensors, { dtype: 'float16' });
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, options?: { readonly keepFloat16?: false }): SafetensorsFile;
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions,
): SafetensorsFile<Tensor | HalfTensor>;
export function decodeSafetensors(
  bytes: Uint8Array,
  options: DecodeSafetensorsOptions = {},
): SafetensorsFile<Tensor | HalfTensor> {
  const bad = (msg: string): never => {
    throw new AttnkitError('ERR_FORMAT', `safetensors: ${msg}`, 'bytes');
  };
  if (options === null || typeof options !== 'object')
    throw new AttnkitError(
      'ERR_TYPE',
      `options: expected an object, got ${options === null ? 'null' : typeof options}`,
      'options',
    );
  if (options.keepFloat16 !== undefined && typeof options.keepFloat16 !== 'boolean')
    throw new AttnkitError(
      'ERR_TYPE',
      `options.keepFloat16: expected a boolean, got ${typeof options.keepFloat16}`,
      'options.keepFloat16',
    );
  const keepHalves = options.keepFloat16 === true;
  if (!(bytes instanceof Uint8Array)) bad('expected a Uint8Array');
  if (bytes.length < 8) bad(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > bytes.length - 8) bad(`header length ${n} exceeds the file (${bytes.length} bytes)`);
  let header: Record<
    string,
    { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>
  >;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    return bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, Tensor | HalfTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const width = DTYPE_BYTES[e?.dtype];
    if (width === undefined)
      bad(`tensor "${name}" has dtype ${JSON.stringify(e?.dtype)}; supported: ${Object.keys(DTYPE_BYTES).join(', ')}`);
    if (!Array.isArray(e.shape) || e.shape.some((d) => !Number.isInteger(d) || d < 0))
      bad(`tensor "${name}" has an invalid shape`);
    const [begin, end] = e.data_offsets ?? [];
    const count = sizeOf(e.shape);
    if (
      !Number.isInteger(begin) ||
      !Number.isInteger(end) ||
      begin! < 0 ||
      end! > dataLength ||
      end! - begin! !== count * width!
    ) {
      bad(
        `tensor "${name}" has data offsets ${JSON.stringify(e.data_offsets)} that do not fit its shape ${JSON.stringify(e.shape)} and dtype ${e.dtype} within ${dataLength} data bytes`,
      );
    }
    const src = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin!, end! - begin!);
    if (keepHalves && e.dtype === 'F16') {
      const bits = new Uint16Array(count);
      for (let i = 0; i < count; i++) bits[i] = src.getUint16(i * 2, true);
      tensors.set(name, { shape: [...e.shape], data: bits, dtype: 'float16' });
      continue;
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      switch (e.dtype) {
        case 'F32':
          data[i] = src.getFloat32(i * 4, true);
          break;
        case 'F64':
          data[i] = src.getFloat64(i * 8, true);
          break;
        case 'F16':
          data[i] = halfToFloat(src.getUint16(i * 2, true));
          break;
        default:
          data[i] = bf16ToFloat(src.getUint16(i * 2, true));
      }
    }
    tensors.set(name, { shape: [...e.shape], data });
  }
  return { tensors, metadata };
}

/** Decodes an IEEE 754 half-precision number. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

function bf16ToFloat(h: number): number {
  const buf = new DataView(new ArrayBuffer(4));
  buf.setUint32(0, h << 16);
  return buf.getFloat32(0);
}
