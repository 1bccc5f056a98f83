/**
 * Pooled GPU buffers: every buffer the backend makes comes from here, is handed back after use, and is
 * destroyed on `destroyAll()` (the backend's `dispose`). Buffers are bucketed by usage and size class
 * (powers of two up to 16 MiB, then whole MiB), so repeated calls of similar shapes allocate nothing.
 */
import { BufferUsage } from './gpu-flags.js';

const MiB = 1 << 20;

/** Rounds a byte size up to its pool class. */
export function sizeClass(bytes: number): number {
  const b = Math.max(16, Math.ceil(bytes / 4) * 4);
  if (b <= 16 * MiB) return 2 ** Math.ceil(Math.log2(b));
  return Math.ceil(b / MiB) * MiB;
}

/** A pool of buffers on one device. */
export class GpuBufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private readonly live = new Set<GPUBuffer>();
  private freeBytes = 0;

  /**
   * @param device the device that owns the buffers
   * @param keepBytes at most this many idle bytes are kept for reuse; beyond, released buffers are destroyed
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly keepBytes = 256 * MiB,
  ) {}

  /** A buffer of at least `bytes` bytes with `usage`. Give it back with {@link release}. */
  acquire(bytes: number, usage: number): GPUBuffer {
    const size = sizeClass(bytes);
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    const reused = list?.pop();
    if (reused) {
      this.freeBytes -= size;
      return reused;
    }
    const buffer = this.device.createBuffer({ size, usage });
    this.live.add(buffer);
    return buffer;
  }

  /** A storage buffer holding `data` (uploaded with `queue.writeBuffer`). */
  upload(data: ArrayBufferView, extraUsage = 0): GPUBuffer {
    const buffer = this.acquire(
      Math.max(4, data.byteLength),
      BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC | extraUsage,
    );
    if (data.byteLength > 0) writePadded(this.device.queue, buffer, data);
    return buffer;
  }

  /** Hands a buffer back for reuse. */
  release(buffer: GPUBuffer): void {
    if (!this.live.has(buffer)) return;
    if (this.freeBytes + buffer.size > this.keepBytes) {
      this.live.delete(buffer);
      buffer.destroy();
      return;
    }
    const key = `${buffer.usage}:${buffer.size}`;
    const list = this.free.get(key) ?? [];
    list.push(buffer);
    this.free.set(key, list);
    this.freeBytes += buffer.size;
  }

  /** Number of buffers created and not yet destroyed (in use or idle). */
  get liveCount(): number {
    return this.live.size;
  }

  /** Destroys every buffer this pool made, in use or idle. */
  destroyAll(): void {
    for (const b of this.live) b.destroy();
    this.live.clear();
    this.free.clear();
    this.freeBytes = 0;
  }
}

/** `queue.writeBuffer` of any typed array; the byte length is padded to a multiple of 4 as WebGPU requires. */
export function writePadded(queue: GPUQueue, buffer: GPUBuffer, data: ArrayBufferView, offset = 0): void {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.byteLength % 4 === 0) {
    queue.writeBuffer(buffer, offset, bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return;
  }
  const padded = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4);
  padded.set(bytes);
  queue.writeBuffer(buffer, offset, padded.buffer, 0, padded.byteLength);
}
