/**
 * float16 tensors: storage in half precision, for memory and bandwidth. Backends that declare `float16`
 * take them; core widens them to float32 for validation and for kernels that compute in float32 (on first
 * read only, for kernels that declare `takesHalves` and convert the bits themselves), and narrows results
 * back to float16 (see {@link AttentionOptions.outputDtype}).
 */
import { AttnkitError } from './errors.js';
import { float16Bits, float32FromHalf } from './half.js';
import type { Tensor } from './tensor.js';

/** A tensor element type: `float32` (`Float32Array`) or `float16` (IEEE half bits in a `Uint16Array`). */
export type DType = 'float32' | 'float16';

/**
 * A dense row-major float16 tensor. `data` holds IEEE 754 binary16 bits, one element per `Uint16Array` entry.
 * Where the runtime has `Float16Array`, one is accepted as `data` too (core reads its bits without copying).
 */
export interface HalfTensor {
  /** Dimensions, outermost first, as for a {@link Tensor}. */
  readonly shape: readonly number[];
  /** The elements' binary16 bits in row-major order; its length is the shape's product. */
  readonly data: Uint16Array;
  /** Always `float16`: tells it from a float32 {@link Tensor}. */
  readonly dtype: 'float16';
}

/** A float32 or a float16 tensor. */
export type AnyTensor = Tensor | HalfTensor;

/**
 * A float16 tensor from numbers (rounded to nearest even) or from half bits.
 *
 * @example
 * ```ts
 * const q = halfTensor([0.5, -1, 2, 0.25], [1, 1, 2, 2]);
 * ```
 */
export function halfTensor(data: Uint16Array | ArrayLike<number>, shape: readonly number[]): HalfTensor {
  const bits = data instanceof Uint16Array ? data : float16Bits(data);
  const n = shape.reduce((a, b) => a * b, 1);
  if (bits.length !== n)
    throw new AttnkitError(
      'ERR_SHAPE',
      `halfTensor: data has ${bits.length} elements but the shape needs ${n}`,
      'data',
    );
  return { shape: [...shape], data: bits, dtype: 'float16' };
}

/**
 * A float16 copy of a float32 tensor (rounded to nearest even; beyond ±65504 becomes ±Infinity).
 *
 * @example
 * ```ts
 * const half = toFloat16(tensor(Float32Array.of(1, 2, 3), [3]));
 * ```
 */
export function toFloat16(t: Tensor): HalfTensor {
  return { shape: [...t.shape], data: float16Bits(t.data), dtype: 'float16' };
}

/**
 * A float32 copy of a float16 tensor (exact). A float32 tensor is returned as it is.
 *
 * @example
 * ```ts
 * const { output } = await backend.attention(q16, k16, v16);
 * const values = toFloat32(output).data; // Float32Array
 * ```
 */
export function toFloat32(t: AnyTensor): Tensor {
  if (!isHalf(t)) return t;
  return { shape: [...t.shape], data: float32FromHalf(halfBits(t.data)) };
}

/** True for a float16 tensor. */
export function isHalf(t: AnyTensor): t is HalfTensor {
  return (t as { dtype?: unknown }).dtype === 'float16';
}

/** The half bits of a `Uint16Array` or a `Float16Array` (a view, no copy). @internal */
export function halfBits(data: ArrayBufferView): Uint16Array {
  return data instanceof Uint16Array
    ? data
    : new Uint16Array(data.buffer, data.byteOffset, data.byteLength / Uint16Array.BYTES_PER_ELEMENT);
}

/** The runtime's `Float16Array`, where it has one. */
const Float16ArrayCtor = (globalThis as { Float16Array?: new (n: number) => ArrayBufferView }).Float16Array;

/** True when `value` says it is float16, or holds a `Float16Array` (no other check). @internal */
export function looksHalf(value: unknown): boolean {
  const t = value as { dtype?: unknown; data?: unknown } | null | undefined;
  return t?.dtype === 'float16' || (Float16ArrayCtor !== undefined && t?.data instanceof Float16ArrayCtor);
}

/**
 * The dtype of a tensor argument, checked against its data: `float16` needs `Uint16Array` (or
 * `Float16Array`) data, and `float32` (the default) a `Float32Array`. Throws `ERR_TYPE` naming the argument.
 * @internal used by validation
 */
export function tensorDtype(value: unknown, name: string): DType {
  if (value === null || typeof value !== 'object') return 'float32'; // the tensor check reports it
  const t = value as { dtype?: unknown; data?: unknown };
  const half = t.data instanceof Uint16Array || (Float16ArrayCtor !== undefined && t.data instanceof Float16ArrayCtor);
  if (t.dtype === undefined) {
    if (half && !(t.data instanceof Uint16Array)) return 'float16'; // a Float16Array says what it holds
    if (t.data instanceof Uint16Array)
      throw new AttnkitError(
        'ERR_TYPE',
        `${name}: a Uint16Array holds float16 bits only with dtype: 'float16' (see halfTensor); give it, or pass a Float32Array`,
        name,
      );
    return 'float32';
  }
  if (t.dtype === 'float16') {
    if (!half) {
      const got = (t.data as object | undefined)?.constructor?.name ?? typeof t.data;
      throw new AttnkitError(
        'ERR_TYPE',
        `${name}.data: dtype 'float16' needs a Uint16Array of half bits (or a Float16Array), got ${got}`,
        name,
      );
    }
    return 'float16';
  }
  if (t.dtype === 'float32') return 'float32';
  throw new AttnkitError(
    'ERR_TYPE',
    `${name}.dtype: expected 'float32' or 'float16', got ${JSON.stringify(t.dtype)}`,
    `${name}.dtype`,
  );
}

/**
 * The float32 view of a tensor argument for validation and float32 kernels: float32 data as it is, float16
 * data widened (a new array). Call only after {@link tensorDtype} accepted it.
 * @internal
 */
export function widened(value: AnyTensor, dtype: DType): Tensor {
  return dtype === 'float16' ? { shape: value.shape, data: float32FromHalf(halfBits(value.data)) } : (value as Tensor);
}
