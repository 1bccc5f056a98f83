/**
 * Resident tensors on ONNX Runtime: each is an `ort.Tensor` over CPU memory that this backend owns. ONNX
 * Runtime's CPU provider computes on JavaScript's memory, so a tensor is fed to a session as it is (the
 * binding wraps its buffer without copying) and `view` is its data, with no copy either way.
 */
import type { ResidentStore } from '@attnkit/core';
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import type { OrtModule } from './runtime.js';

/** A resident tensor's native: a float32 `ort.Tensor` (any dims; the store sees its elements). */
export type OrtNative = OrtTensor;

/** The elements of a native. */
export function nativeData(n: OrtNative): Float32Array {
  return n.data as Float32Array;
}

/** The store behind `backend.upload`, `createCache` and kept outputs (see the module comment). */
export function onnxStore(ort: OrtModule): ResidentStore<OrtNative> {
  return {
    allocate: (elements) => new ort.Tensor('float32', new Float32Array(elements), [elements]),
    write: (n, at, data) => nativeData(n).set(data, at),
    read: (n, at, length) => Promise.resolve(nativeData(n).slice(at, at + length)),
    copy: (src, srcAt, dst, dstAt, length) => {
      const from = nativeData(src);
      const to = nativeData(dst);
      if (from === to) to.copyWithin(dstAt, srcAt, srcAt + length);
      else to.set(from.subarray(srcAt, srcAt + length), dstAt);
    },
    view: (n, length) => nativeData(n).subarray(0, length),
    // ONNX Runtime keeps nothing of a CPU tensor between runs: dropping it frees the memory. `dispose`
    // releases the data now and makes any later use throw.
    free: (n) => n.dispose(),
  };
}
