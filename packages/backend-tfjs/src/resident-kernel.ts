/**
 * Attention on resident tensors (`residentAttention`): computed on the tfjs tensors of the handles as they
 * are, and a kept output stays a tfjs tensor.
 *
 * Keys and values are used up to the last row any batch may see (`validKeys`): a cache's storage
 * `[B, Hkv, C, D]` holding `V` rows per head gives tfjs those `V` rows only, and nothing is computed over
 * the rest. That storage is a JavaScript array (see `resident-store.ts`), so each call copies its held rows
 * into tfjs, `B·Hkv·V·(Dk + Dv)` floats: the one copy of the road, of the rows the call reads anyway. A
 * handle's tensor is sliced to its valid rows inside tfjs when they end before its last row.
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, T key rows given (C for a cache), V rows used,
 * Dk/Dv head sizes.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { AttentionSetup, KernelInput, ResidentAttentionOutput, ResidentProblem } from '@attnkit/core';
import {
  evaluate,
  joinOutput,
  keyValueHeads,
  planEvaluation,
  queryRows,
  readPieces,
  type HeadOperands,
  type KernelSettings,
  type Operands,
} from './attention-kernel.js';
import { tensorOf, TfNative, type TransferCounter } from './resident-store.js';
import { withRuntime, type TfjsBackendName } from './tfjs-runtime.js';

/** Computes one call of {@link ResidentProblem}: output `[B, Hq, Sq, Dv]`, a {@link TfNative} when `p.keep`. */
export async function residentKernel(
  tfjsBackend: TfjsBackendName,
  p: ResidentProblem,
  settings: KernelSettings,
  transfers: TransferCounter,
): Promise<ResidentAttentionOutput> {
  const setup = usedRows(p);
  const size = p.batch * p.qHeads * p.qLength * p.valueDim;
  if (setup.keyLength === 0) {
    // No key anywhere: every row sees nothing and outputs zeros.
    return p.keep
      ? { native: new TfNative(size, { host: new Float32Array(size) }) }
      : { output: new Float32Array(size) };
  }
  const plan = planEvaluation(tfjsBackend, setup, settings);
  const operands = (): Operands => residentOperands(p, setup, transfers);
  if (p.keep) {
    const output = await withRuntime(tfjsBackend, () =>
      tf.tidy(() => joinOutput(setup, evaluate(setup, plan, operands()))),
    );
    return { native: new TfNative(size, { tensor: output }) };
  }
  const pieces = await withRuntime(tfjsBackend, () => tf.tidy(() => evaluate(setup, plan, operands())));
  try {
    return { output: (await readPieces(setup, pieces)).output as Float32Array };
  } finally {
    for (const piece of pieces) piece.tensor.dispose();
  }
}

/**
 * The setup over the key rows the call uses: `V` = the most valid keys of any batch (`T` without key
 * lengths). Key lengths stay only where batches differ (they mask per batch, below `V`).
 */
export function usedRows(p: ResidentProblem): AttentionSetup {
  const { q: _q, k: _k, v: _v, keep: _keep, ...setup } = p;
  const valid = setup.validKeys;
  if (!valid) return setup;
  const V = Math.min(setup.keyLength, Math.max(...valid));
  const same = valid.every((n) => n === V);
  return { ...setup, keyLength: V, kvLength: V, validKeys: same ? undefined : valid };
}

/**
 * The call's inputs as tfjs tensors (inside the caller's scope): handles' tensors as they are (their
 * valid rows sliced out inside tfjs), arrays and caches' storage copied in, their used rows only.
 */
function residentOperands(p: ResidentProblem, used: AttentionSetup, transfers: TransferCounter): Operands {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, keyLength: T, keyDim: Dk, valueDim: Dv } = p;
  const V = used.keyLength;
  /** An input as an array (core's, or a partial native's: copied in by this call, counted), or a tensor. */
  const source = (x: KernelInput): Float32Array | tf.Tensor => {
    const n = x.native as TfNative | undefined;
    if (n && !n.partial) return tensorOf(n, transfers);
    transfers.up();
    return x.array ?? n!.host!;
  };
  const q = source(p.q);
  const [k, v] = [source(p.k), source(p.v)];
  const q4 = (): tf.Tensor4D => fourD(q, [B, Hq, Sq, Dk]);
  /** Keys or values `[B, Hkv, V, D]`: a slice of a tensor, or the used rows of an array copied in. */
  const rows = (x: Float32Array | tf.Tensor, D: number): tf.Tensor4D => {
    if (!(x instanceof Float32Array)) {
      const t = tf.reshape(x, [B, Hkv, T, D]) as tf.Tensor4D;
      return V === T ? t : tf.slice(t, [0, 0, 0, 0], [B, Hkv, V, D]);
    }
    return fourD(V === T ? x : gatherRows(x, B * Hkv, T, V, D), [B, Hkv, V, D]);
  };
  return {
    batched: () => ({ q: q4(), k: rows(k, Dk), v: rows(v, Dv) }),
    heads: (): HeadOperands => {
      const qRows =
        q instanceof Float32Array
          ? queryRows(used, q)
          : (b: number, h: number, i0: number, n: number): tf.Tensor2D =>
              tf.mul(tf.reshape(tf.slice(q4(), [b, h, i0, 0], [1, 1, n, Dk]), [n, Dk]), p.scale);
      if (k instanceof Float32Array && v instanceof Float32Array) {
        return { q: qRows, ...keyValueHeads(used, k, v, T) };
      }
      const [k4, v4] = [rows(k, Dk), rows(v, Dv)];
      const kT: tf.Tensor2D[] = [];
      const vs: tf.Tensor2D[] = [];
      for (let b = 0; b < B; b++)
        for (let h = 0; h < Hkv; h++) {
          kT.push(tf.transpose(tf.reshape(tf.slice(k4, [b, h, 0, 0], [1, 1, V, Dk]), [V, Dk])));
          vs.push(tf.reshape(tf.slice(v4, [b, h, 0, 0], [1, 1, V, Dv]), [V, Dv]));
        }
      return { q: qRows, kT, v: vs };
    },
  };
}

/** An array or a tensor as a rank-4 tensor of `shape`. */
function fourD(x: Float32Array | tf.Tensor, shape: [number, number, number, number]): tf.Tensor4D {
  return x instanceof Float32Array ? tf.tensor4d(x, shape) : (tf.reshape(x, shape) as tf.Tensor4D);
}

/** The first `V` of every head's `T` rows of `D` floats: `[heads, V, D]` from `[heads, T, D]`. */
function gatherRows(x: Float32Array, heads: number, T: number, V: number, D: number): Float32Array {
  const out = new Float32Array(heads * V * D);
  for (let h = 0; h < heads; h++) out.set(x.subarray(h * T * D, (h * T + V) * D), h * V * D);
  return out;
}
