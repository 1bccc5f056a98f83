/**
 * Resident tensors on TensorFlow.js.
 *
 * A handle (an upload, a kept output) is a `tf.Tensor` in the attnkit backend's tfjs backend, made once and
 * used by every call as it is. tfjs tensors are immutable, and tfjs has no op that changes part of a
 * tensor in place: `tf.Variable.assign` and the scatter ops compute a whole new tensor. A key/value cache
 * written that way would copy all of its storage, `B·Hkv·C·(Dk + Dv)` floats, at every append. So a
 * cache's storage stays in a JavaScript array, appended in place, and each call hands tfjs only the rows
 * the cache holds (see `resident-kernel.ts`).
 *
 * The store tells the two apart by use: what is written once, whole, becomes a tensor when a call first
 * uses it; what is written in parts (a cache) stays an array.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ResidentStore } from '@attnkit/core';
import type { TfjsBackendName } from './tfjs-runtime.js';

/** The data behind one resident tensor or cache store: a tfjs tensor, a JavaScript array, or both alike. */
export class TfNative {
  /** The tensor, `[length]` or the shape of the output it was (owned: disposed by `free`). */
  tensor: tf.Tensor | undefined;
  /** The elements in JavaScript memory: the truth where there is no tensor, else a copy of it. */
  host: Float32Array | undefined;
  /** Written in parts (a cache's storage): stays in JavaScript memory. */
  partial = false;
  private writes = 0;

  constructor(
    readonly length: number,
    from: { readonly tensor?: tf.Tensor; readonly host?: Float32Array },
  ) {
    this.tensor = from.tensor;
    this.host = from.host;
  }

  /** Records a write of `count` elements at `at`; a second write, or one of part, makes it partial. */
  noteWrite(at: number, count: number): void {
    this.writes++;
    if (this.writes > 1 || at !== 0 || count !== this.length) this.partial = true;
  }
}

/** Copies between JavaScript memory and tfjs's, counted (see `ResidentStats.transfers`). */
export class TransferCounter {
  toBackend = 0;
  toHost = 0;
  /** On tfjs's cpu backend tensors are JavaScript arrays: nothing moves between memories. */
  constructor(readonly counts: boolean) {}
  up(): void {
    if (this.counts) this.toBackend++;
  }
  down(): void {
    if (this.counts) this.toHost++;
  }
}

/** The store behind `backend.upload`, `createCache` and kept outputs, on tfjs backend `name`. */
export function tfjsStore(name: TfjsBackendName, transfers: TransferCounter): ResidentStore<TfNative> {
  /** The native's elements as a writable array of its own (reading the tensor back if need be). */
  const own = (n: TfNative): Float32Array => {
    if (!n.host) {
      // A tensor's data is tfjs's (on cpu its very array): copy it before writing into it.
      n.host = (n.tensor!.dataSync() as Float32Array).slice();
      transfers.down();
    }
    if (n.tensor) {
      n.tensor.dispose();
      n.tensor = undefined;
    }
    return n.host;
  };
  return {
    allocate: (elements) => new TfNative(elements, { host: new Float32Array(elements) }),
    write: (n, at, data) => {
      own(n).set(data, at);
      n.noteWrite(at, data.length);
    },
    async read(n, at, length) {
      if (n.host) return n.host.slice(at, at + length);
      const data = (await n.tensor!.data()) as Float32Array;
      transfers.down();
      // wasm reads into a fresh array; cpu hands out the tensor's own array, webgl its cached copy.
      return name === 'wasm' ? data.subarray(at, at + length) : data.slice(at, at + length);
    },
    copy: (src, srcAt, dst, dstAt, length) => {
      if (src === dst) {
        own(dst).copyWithin(dstAt, srcAt, srcAt + length);
      } else {
        let from = src.host;
        if (!from) {
          from = src.tensor!.dataSync() as Float32Array;
          transfers.down();
        }
        own(dst).set(from.subarray(srcAt, srcAt + length), dstAt);
      }
      dst.noteWrite(dstAt, length);
    },
    free: (n) => {
      n.tensor?.dispose();
      n.tensor = undefined;
      n.host = undefined;
    },
    transfers: () => ({ toBackend: transfers.toBackend, toHost: transfers.toHost }),
  };
}

/**
 * The native as a tensor `[length]` in the active tfjs backend, made from its array on first use and kept
 * (call inside `withRuntime`). A partial native is never made whole: see `resident-kernel.ts`.
 */
export function tensorOf(n: TfNative, transfers: TransferCounter): tf.Tensor {
  if (!n.tensor) {
    const host = n.host!;
    n.tensor = tf.keep(tf.tensor1d(host));
    transfers.up();
    // The tensor holds the data now (on cpu, this very array): the native keeps one copy, tfjs's.
    n.host = undefined;
  }
  return n.tensor;
}
