/**
 * Gradients of the tfjs kernels the encoder uses.
 *
 * `@tensorflow/tfjs-core` registers no gradients by itself; its own registrations ship only as
 * unbundled ES modules with extension-less imports, which Node cannot load, and the `@tensorflow/tfjs`
 * bundle that does register them also brings layers, converter, data and WebGL. So this module registers
 * the ~20 gradients the encoder needs, with the same mathematics, and only for kernels that have none
 * yet: an application that also loads `@tensorflow/tfjs` keeps tfjs's own. The softmax has a custom
 * gradient of its own (`attention-ops.ts`), and tfjs's `logSoftmax` carries one too.
 *
 * Registration changes tfjs's global gradient table, once, when the first trainer is created.
 */
import * as tf from '@tensorflow/tfjs-core';

type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[], attrs: Record<string, unknown>) => Record<string, () => tf.Tensor>;

/** The permutation that swaps the last two axes of a tensor of rank `rank`. */
function swapLast(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1]!, perm[rank - 2]!];
  return perm;
}

/** Sums `dy` over the axes along which `shape` was broadcast to `dy`'s shape, back to `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, dy.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

/** `dy` of a reduction, reshaped to keep the reduced axes and broadcast back to `x`'s shape. */
function expandReduced(dy: tf.Tensor, x: tf.Tensor, axis: unknown): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis as number | number[], x.shape);
  const kept = x.shape.slice();
  for (const a of axes) kept[a] = 1;
  return tf.mul(tf.reshape(dy, kept), tf.ones(x.shape));
}

const GRADIENTS: { kernel: string; save?: string[]; saveOutput?: boolean; saveAll?: boolean; grad: GradFunc }[] = [
  {
    kernel: 'Add',
    save: ['a', 'b'],
    grad: (dy, [a, b]) => ({ a: () => unbroadcast(dy, a!.shape), b: () => unbroadcast(dy, b!.shape) }),
  },
  {
    kernel: 'Sub',
    save: ['a', 'b'],
    grad: (dy, [a, b]) => ({ a: () => unbroadcast(dy, a!.shape), b: () => unbroadcast(tf.neg(dy), b!.shape) }),
  },
  {
    kernel: 'Multiply',
    save: ['a', 'b'],
    grad: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy, b!), a!.shape),
      b: () => unbroadcast(tf.mul(dy, a!), b!.shape),
    }),
  },
  {
    kernel: 'RealDiv',
    save: ['a', 'b'],
    grad: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.div(dy, b!), a!.shape),
      b: () => unbroadcast(tf.neg(tf.div(tf.mul(dy, a!), tf.mul(b!, b!))), b!.shape),
    }),
  },
  { kernel: 'Neg', grad: (dy) => ({ x: () => tf.neg(dy) }) },
  { kernel: 'Exp', saveOutput: true, grad: (dy, [y]) => ({ x: () => tf.mul(dy, y!) }) },
  { kernel: 'Tanh', saveOutput: true, grad: (dy, [y]) => ({ x: () => tf.mul(dy, tf.sub(1, tf.mul(y!, y!))) }) },
  // d/dx x^(-1/2) = -1/2 · x^(-3/2) = -1/2 · y³ with y = x^(-1/2).
  {
    kernel: 'Rsqrt',
    saveOutput: true,
    grad: (dy, [y]) => ({ x: () => tf.mul(dy, tf.mul(tf.mul(tf.mul(y!, y!), y!), -0.5)) }),
  },
  { kernel: 'Relu', save: ['x'], grad: (dy, [x]) => ({ x: () => tf.mul(dy, tf.step(x!)) }) },
  { kernel: 'Cast', save: ['x'], grad: (dy) => ({ x: () => tf.clone(dy) }) },
  { kernel: 'Identity', grad: (dy) => ({ x: () => tf.clone(dy) }) },
  { kernel: 'Reshape', save: ['x'], grad: (dy, [x]) => ({ x: () => tf.reshape(dy, x!.shape) }) },
  {
    kernel: 'Transpose',
    grad: (dy, _s, attrs) => ({
      x: () => tf.transpose(dy, tf.backend_util.getUndoAxesPermutation(attrs.perm as number[])),
    }),
  },
  {
    kernel: 'Slice',
    save: ['x'],
    grad: (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(x!, attrs.begin as number[], attrs.size as number[]) as [
        number[],
        number[],
      ];
      return {
        x: () =>
          tf.pad(
            dy,
            x!.shape.map((n, i) => [begin[i]!, n - begin[i]! - size[i]!] as [number, number]),
          ),
      };
    },
  },
  {
    kernel: 'Concat',
    saveAll: true,
    grad: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis as number, saved[0]!.shape)[0]!;
      const parts = tf.split(
        dy,
        saved.map((t) => t.shape[axis]!),
        axis,
      );
      return Object.fromEntries(parts.map((t, i) => [i, () => t]));
    },
  },
  {
    // A multi-output kernel: `dy` holds one gradient per output (zeros where an output went unused).
    kernel: 'SplitV',
    grad: (dy, _s, attrs) => ({ x: () => tf.concat(dy as unknown as tf.Tensor[], attrs.axis as number) }),
  },
  { kernel: 'Sum', save: ['x'], grad: (dy, [x], attrs) => ({ x: () => expandReduced(dy, x!, attrs.axis) }) },
  {
    kernel: 'Mean',
    save: ['x'],
    grad: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x!.shape);
      const count = axes.reduce((n, a) => n * x!.shape[a]!, 1);
      return { x: () => tf.div(expandReduced(dy, x!, attrs.axis), count) };
    },
  },
  {
    // Token embeddings: `gather(table, ids)` along axis 0; rows looked up several times sum their
    // gradients (scatterND adds duplicate indices).
    kernel: 'GatherV2',
    save: ['x', 'indices'],
    grad: (dy, [x, indices], attrs) => {
      if ((attrs.axis as number) !== 0 || ((attrs.batchDims as number | undefined) ?? 0) !== 0)
        throw new Error('the encoder gathers along axis 0 only');
      const n = indices!.size;
      return {
        x: () => tf.scatterND(tf.reshape(indices!, [n, 1]), tf.reshape(dy, [n, -1]), x!.shape),
        indices: () => tf.zerosLike(indices!),
      };
    },
  },
  {
    // With every transpose materialised, so that each product is an untransposed matMul: tfjs's wasm
    // backend runs those several times faster than the transposed forms (same values either way).
    kernel: 'BatchMatMul',
    save: ['a', 'b'],
    grad: (dy, [a, b], attrs) => {
      const tA = attrs.transposeA === true,
        tB = attrs.transposeB === true;
      const t = (x: tf.Tensor): tf.Tensor => tf.transpose(x, swapLast(x.rank));
      const mm = (x: tf.Tensor, y: tf.Tensor): tf.Tensor => tf.matMul(x, y);
      if (!tA && !tB) return { a: () => mm(dy, t(b!)), b: () => mm(t(a!), dy) };
      if (!tA && tB) return { a: () => mm(dy, b!), b: () => mm(t(dy), a!) };
      if (tA && !tB) return { a: () => mm(b!, t(dy)), b: () => mm(a!, dy) };
      return { a: () => mm(t(b!), t(dy)), b: () => mm(t(dy), t(a!)) };
    },
  },
];

let registered = false;

/** Registers the gradients above for every kernel that has none yet (idempotent). */
export function registerEncoderGradients(): void {
  if (registered) return;
  registered = true;
  for (const g of GRADIENTS) {
    if (tf.getGradient(g.kernel)) continue;
    tf.registerGradient({
      kernelName: g.kernel,
      ...(g.save ? { inputsToSave: g.save } : {}),
      ...(g.saveOutput ? { outputsToSave: [true] } : {}),
      ...(g.saveAll ? { saveAllInputs: true } : {}),
      gradFunc: g.grad as unknown as tf.GradConfig['gradFunc'],
    });
  }
}
