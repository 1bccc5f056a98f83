/**
 * Resident tensors on the device: core's `ResidentStore` over GPUBuffers. Each tensor is one buffer of its
 * own (zeroed at creation, `STORAGE | COPY_SRC | COPY_DST`), destroyed when freed; writes go through
 * `queue.writeBuffer`, reads through a staging buffer, and copies stay on the device, recorded into the
 * context's pending commands so that a cache's per-head appends go out with the attention call that
 * follows, in one submission. Offsets and lengths count float32 elements.
 */
import { fmtBytes, UnsupportedError, type ResidentStore } from '@attnkit/core';
import type { GpuContext } from './gpu-context.js';
import { BufferUsage } from './gpu-flags.js';
import { writePadded } from './gpu-buffer-pool.js';
import type { Slice } from './gpu-op.js';

/** A resident tensor's memory: a buffer of its own and the float32 elements it holds. */
export class GpuTensor {
  constructor(
    readonly buffer: GPUBuffer,
    readonly elements: number,
  ) {}

  /** Elements `from .. from + count` as a slice (byte offset, byte length). */
  slice(from: number, count: number): Slice {
    return { buffer: this.buffer, offset: from * 4, bytes: Math.max(4, count * 4) };
  }
}

/** The store: core calls it with valid offsets and lengths only. */
export interface GpuResidentStore extends ResidentStore<GpuTensor> {
  /** Destroys every tensor still held (the backend's dispose). */
  destroyAll(): void;
}

const USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;

/** Allocates a zeroed tensor of `elements` float32 on `ctx`'s device, refusing what one buffer cannot hold. */
export function allocateTensor(ctx: GpuContext, elements: number, live?: Set<GPUBuffer>): GpuTensor {
  const bytes = elements * 4;
  const max = ctx.profile.maxBufferSize;
  if (bytes > max)
    throw new UnsupportedError(
      `a resident tensor of ${elements} float32 (${fmtBytes(bytes)}) does not fit one GPUBuffer on this device (maxBufferSize ${fmtBytes(max)}); for a key/value cache, lower its capacity or batch`,
    );
  // WebGPU zeroes new buffers; sizes are padded to a multiple of 4 bytes (at least 4).
  const buffer = ctx.checked(() =>
    ctx.device.createBuffer({ label: 'attnkit resident', size: Math.max(4, bytes), usage: USAGE }),
  );
  live?.add(buffer);
  return new GpuTensor(buffer, elements);
}

/** The resident store of a context. */
export function gpuResidentStore(ctx: GpuContext): GpuResidentStore {
  const live = new Set<GPUBuffer>();
  return {
    allocate: (elements) => allocateTensor(ctx, elements, live),
    write(t, at, data) {
      if (data.length === 0) return;
      // Copies recorded before must reach the buffer first: writeBuffer is queued at once.
      ctx.flush();
      ctx.checked(() => writePadded(ctx.device.queue, t.buffer, data, at * 4));
      ctx.transfers.toBackend++;
    },
    async read(t, at, length) {
      if (length === 0) return new Float32Array(0);
      const [out] = await ctx.run((op) => op.read(t.slice(at, length), length * 4));
      return out!;
    },
    copy(src, srcAt, dst, dstAt, length) {
      if (length === 0) return;
      const { encoder, temps } = ctx.pendingEncoder();
      const bytes = length * 4;
      if (src !== dst) {
        encoder.copyBufferToBuffer(src.buffer, srcAt * 4, dst.buffer, dstAt * 4, bytes);
        return;
      }
      // WebGPU copies between two buffers only: a move inside one goes through a temporary buffer.
      const temp = ctx.pool.acquire(bytes, BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
      temps.push(temp);
      encoder.copyBufferToBuffer(src.buffer, srcAt * 4, temp, 0, bytes);
      encoder.copyBufferToBuffer(temp, 0, dst.buffer, dstAt * 4, bytes);
    },
    free(t) {
      if (!live.delete(t.buffer)) return;
      // Recorded copies may use the buffer: submit them before it goes.
      ctx.flush();
      t.buffer.destroy();
    },
    transfers: () => ({ ...ctx.transfers }),
    destroyAll() {
      for (const b of live) b.destroy();
      live.clear();
    },
  };
}
