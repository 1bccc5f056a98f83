/**
 * The additive bias that carries what the `Attention` operator cannot express: every masking rule and
 * ALiBi, with `-Infinity` for hidden keys. It follows core's semantics (`keyBand` decides each row's
 * visible band; inside it, the terms of `maskTerm` are applied row by row instead of one call per element).
 *
 * Shape legend: B batch, Hq heads, Sq query length, T total key length; the bias is `[Bb, Hb, Sq, T]` with
 * `Bb = B` only when a rule depends on the batch (key lengths, a per-batch mask) and `Hb = Hq` only when
 * one depends on the head (ALiBi, a per-head mask).
 */
import { causalOffset, keyBand, type AttentionProblem } from '@attnkit/core';

/** Reuses large scratch arrays across calls, so a steady stream of calls does not fault in fresh pages. */
export class BufferPool {
  private readonly free: ArrayBuffer[] = [];

  /**
   * @param keep buffers kept for reuse
   * @param maxBytes larger buffers are not kept
   */
  constructor(private readonly keep = 2, private readonly maxBytes = 128 * 2 ** 20) {}

  /** A Float32Array of `n` elements (contents undefined). */
  take(n: number): Float32Array {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.byteLength >= n * 4 && (best < 0 || b.byteLength < this.free[best]!.byteLength)) best = i;
    }
    const buffer = best >= 0 ? this.free.splice(best, 1)[0]! : new ArrayBuffer(n * 4);
    return new Float32Array(buffer, 0, n);
  }

  /** Returns an array from {@link take} once nothing reads it any more. */
  give(a: Float32Array): void {
    const b = a.buffer as ArrayBuffer;
    if (b.byteLength > this.maxBytes) return;
    this.free.push(b);
    if (this.free.length > this.keep) {
      // Keep the largest ones.
      this.free.sort((x, y) => y.byteLength - x.byteLength);
      this.free.length = this.keep;
    }
  }
}

/** Bias extents of a problem. */
export function biasDims(p: AttentionProblem): [number, number, number, number] {
  const Bb = p.keyLengths || (p.mask && p.mask.strides[0] !== 0) ? p.batch : 1;
  const Hb = p.alibi || (p.mask && p.mask.strides[1] !== 0) ? p.qHeads : 1;
  return [Bb, Hb, p.qLength, p.keyLength];
}

/**
 * Writes the bias of `p` into `out` (`[Bb, Hb, Sq, T]`, see {@link biasDims}): for query `i` of batch `b`
 * and head `h`, keys outside `keyBand(p, b, i)` are `-Infinity`; inside, a key hidden by the graph or a
 * false bool mask entry is `-Infinity`, else its value is the bias mask entry minus `alibi[h]·|i + offset - j|`.
 */
export function writeBias(p: AttentionProblem, out: Float32Array): Float32Array {
  const [Bb, Hb, Sq, T] = biasDims(p);
  const { mask, graph, alibi } = p;
  for (let b = 0; b < Bb; b++) {
    const offset = causalOffset(p, b);
    for (let h = 0; h < Hb; h++) {
      const slope = alibi ? alibi[h]! : 0;
      for (let i = 0; i < Sq; i++) {
        const row = ((b * Hb + h) * Sq + i) * T;
        const [lo, hi] = keyBand(p, b, i);
        out.fill(-Infinity, row, row + lo);
        out.fill(-Infinity, row + hi, row + T);
        if (hi <= lo) continue;
        if (!mask && !alibi) {
          out.fill(0, row + lo, row + hi);
        } else {
          const base = mask ? b * mask.strides[0] + h * mask.strides[1] + i * mask.strides[2] : 0;
          const step = mask ? mask.strides[3] : 0;
          const pos = i + offset;
          for (let j = lo; j < hi; j++) {
            // In float64, rounded once to float32, as core's maskTerm.
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
      }
    }
  }
  return out;
}
