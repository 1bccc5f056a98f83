/**
 * Dense float32 tensors: a shape and a row-major `Float32Array`.
 */
import { ShapeError, AttnkitError, fmtShape } from './errors.js';

/** A dense row-major float32 tensor. */
export interface Tensor {
  /** Dimensions, outermost first (e.g. `[B, H, S, D]`); `[]` is a scalar. */
  readonly shape: readonly number[];
  /** The elements in row-major order (the last dimension varies fastest); its length is the shape's product. */
  readonly data: Float32Array;
  /** `float32` (the default when absent); float16 tensors are `HalfTensor`s. */
  readonly dtype?: 'float32';
}

/** Number of elements of a shape (1 for a scalar `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * Creates a tensor, checking that the data length matches the shape.
 *
 * @example
 * ```ts
 * const q = tensor(new Float32Array(2 * 4 * 8), [1, 2, 4, 8]); // [B, H, S, D]
 * ```
 */
export function tensor(data: Float32Array | readonly number[], shape: readonly number[], name = 'tensor'): Tensor {
  checkShape(shape, name);
  const arr = data instanceof Float32Array ? data : Float32Array.from(data);
  if (arr.length !== sizeOf(shape)) {
    throw new ShapeError(
      'ERR_SHAPE',
      `${name}: data has ${arr.length} elements but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`,
      name,
    );
  }
  return { shape: [...shape], data: arr };
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[]): Tensor {
  checkShape(shape, 'shape');
  return { shape: [...shape], data: new Float32Array(sizeOf(shape)) };
}

function checkShape(shape: readonly number[], name: string): void {
  if (!Array.isArray(shape)) {
    throw new AttnkitError('ERR_TYPE', `${name}: shape must be an array of integers, got ${typeof shape}`, name);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(
        'ERR_SHAPE',
        `${name}: shape ${fmtShape(shape)} has a dimension that is not a non-negative integer`,
        name,
      );
    }
  }
}

/**
 * Checks that `value` is a well-formed tensor of the given rank and returns its shape.
 * @internal used by validation
 */
export function expectTensor(
  value: unknown,
  name: string,
  ranks: readonly number[],
  dtype: 'float32' | 'float16' = 'float32',
): readonly number[] {
  if (value === null || typeof value !== 'object') {
    throw new AttnkitError(
      'ERR_TYPE',
      `${name}: expected a tensor { shape, data }, got ${value === null ? 'null' : typeof value}`,
      name,
    );
  }
  const t = value as { shape?: unknown; data?: { length: number } };
  // float16 data was checked with the dtype (see `tensorDtype`).
  if (dtype === 'float32' && !(t.data instanceof Float32Array)) {
    const got = t.data === undefined ? 'undefined' : ((t.data as object)?.constructor?.name ?? typeof t.data);
    throw new AttnkitError('ERR_TYPE', `${name}.data: expected a Float32Array, got ${got}`, name);
  }
  if (!Array.isArray(t.shape)) {
    throw new AttnkitError('ERR_TYPE', `${name}.shape: expected an array of integers`, name);
  }
  const shape = t.shape as number[];
  checkShape(shape, name);
  if (!ranks.includes(shape.length)) {
    throw new ShapeError(
      'ERR_RANK',
      `${name}: expected rank ${ranks.join(' or ')}, got rank ${shape.length} (shape ${fmtShape(shape)})`,
      name,
    );
  }
  if (t.data!.length !== sizeOf(shape)) {
    throw new ShapeError(
      'ERR_SHAPE',
      `${name}: data has ${t.data!.length} elements but shape ${fmtShape(shape)} needs ${sizeOf(shape)}`,
      name,
    );
  }
  return shape;
}

/** Throws if `data` holds NaN or ±Infinity. @internal */
export function expectFinite(data: Float32Array, name: string): void {
  // Float32 values are below 3.5e38 in magnitude, so their sum in float64 cannot overflow for any array
  // that fits in memory: the sum is finite exactly when every value is. Summing in a shallow tree keeps
  // the loop free of branches and long dependency chains (about twice as fast as testing each value);
  // the culprit is looked for only when there is one.
  const len = data.length;
  let sum = 0;
  let i = 0;
  for (; i + 7 < len; i += 8) {
    sum +=
      data[i]! +
      data[i + 1]! +
      (data[i + 2]! + data[i + 3]!) +
      (data[i + 4]! + data[i + 5]! + (data[i + 6]! + data[i + 7]!));
  }
  for (; i < len; i++) sum += data[i]!;
  if (sum - sum === 0) return;
  const n = data.length;
  for (let j = 0; j < n; j++) {
    const x = data[j]!;
    if (x - x !== 0) {
      throw new AttnkitError('ERR_NON_FINITE', `${name}: element ${j} is ${x}; expected finite numbers`, name);
    }
  }
}
