/**
 * The attention problem lowered to one dense additive bias, for engines that add a bias to their scores
 * instead of applying the masking rules themselves (ONNX Runtime's `Attention` operator, TensorFlow.js).
 * It follows {@link keyBand} and {@link maskTerm} exactly: `-Infinity` where a key is hidden (key lengths,
 * causal, window, graph, a false bool mask entry, the mask's key extent), else the bias mask entry plus
 * ALiBi (0 without them), computed in float64 and rounded once.
 *
 * Shape legend: B batch, Hq query heads, Sq query length, T total key length. The bias is
 * `[Bb, Hb, rows, T]`, see {@link biasExtents}; engines broadcast the axes of extent 1.
 */
import type { AttentionSetup } from './attention-setup.js';
import { causalOffset, keyBand } from './attention-semantics.js';

/** Whether any score of the problem is masked or biased (without that, an engine needs no bias at all). */
export function hasMasking(p: AttentionSetup): boolean {
  return (
    p.causal ||
    p.window !== undefined ||
    p.mask !== undefined ||
    p.validKeys !== undefined ||
    p.graph !== undefined ||
    p.alibi !== undefined
  );
}

/**
 * The batch and head extents `[Bb, Hb]` of the bias: `Bb = B` only when the masking differs per batch (key
 * lengths, a mask with a batch axis), `Hb = Hq` only when it differs per head (ALiBi, a mask with a head
 * axis); 1 otherwise.
 */
export function biasExtents(p: AttentionSetup): [number, number] {
  const perBatch = p.validKeys !== undefined || (p.mask !== undefined && p.mask.strides[0] !== 0);
  const perHead = p.alibi !== undefined || (p.mask !== undefined && p.mask.strides[1] !== 0);
  return [perBatch ? p.batch : 1, perHead ? p.qHeads : 1];
}

/**
 * Writes the bias of query rows `[i0, i1)` into `out` (`[Bb, Hb, i1 - i0, T]`, at least that long) and
 * returns whether some row sees no key at all (its output must be zeros, not a softmax over `-Infinity`).
 *
 * @example
 * ```ts
 * const [Bb, Hb] = biasExtents(problem);
 * const bias = new Float32Array(Bb * Hb * problem.qLength * problem.keyLength);
 * const emptyRows = writeDenseBias(problem, bias);
 * ```
 */
export function writeDenseBias(p: AttentionSetup, out: Float32Array, i0 = 0, i1 = p.qLength): boolean {
  const [Bb, Hb] = biasExtents(p);
  const T = p.keyLength;
  const rows = i1 - i0;
  const { mask, graph, alibi } = p;
  let emptyRows = false;
  for (let b = 0; b < Bb; b++) {
    const offset = causalOffset(p, b);
    for (let h = 0; h < Hb; h++) {
      const slope = alibi ? alibi[h]! : 0;
      for (let i = i0; i < i1; i++) {
        const row = ((b * Hb + h) * rows + (i - i0)) * T;
        const [lo, hi] = keyBand(p, b, i);
        out.fill(-Infinity, row, row + lo);
        out.fill(-Infinity, row + hi, row + T);
        if (hi <= lo) {
          emptyRows = true;
          continue;
        }
        if (!mask && !alibi) {
          out.fill(0, row + lo, row + hi);
        } else {
          const base = mask ? b * mask.strides[0] + h * mask.strides[1] + i * mask.strides[2] : 0;
          const step = mask ? mask.strides[3] : 0;
          const pos = i + offset;
          for (let j = lo; j < hi; j++) {
            let v = 0;
            if (mask) {
              const x = mask.data[base + j * step]!;
              if (mask.kind === 'bool') {
                if (x === 0) v = -Infinity;
              } else {
                v = x;
              }
            }
            if (alibi) v -= slope * Math.abs(pos - j);
            out[row + j] = v;
          }
        }
        if (graph) {
          // The row's keys are sorted: walk them alongside j.
          let k = graph.offsets[i]!;
          const end = graph.offsets[i + 1]!;
          for (let j = lo; j < hi; j++) {
            while (k < end && graph.keys[k]! < j) k++;
            if (k >= end || graph.keys[k] !== j) out[row + j] = -Infinity;
          }
        }
        if (mask || graph) {
          let seen = false;
          for (let j = lo; j < hi && !seen; j++) if (out[row + j] !== -Infinity) seen = true;
          if (!seen) emptyRows = true;
        }
      }
    }
  }
  return emptyRows;
}
