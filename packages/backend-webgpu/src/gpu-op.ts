/**
 * One submission being recorded on a {@link GpuContext}: temporary buffers (returned to the context's pool
 * when the submission is done), dispatches by binding name into compute passes, copies between buffers,
 * and the read-backs, copied into one staging buffer. {@link GpuContext.run} creates it, submits it and
 * maps the read-backs. Copies of tensor data from JavaScript ({@link GpuOp.upload}) and back
 * ({@link GpuOp.read}) are counted in the context's `transfers`; call parameters ({@link GpuOp.params},
 * uniform blocks) are not.
 */
import type { GpuContext, Kernel } from './gpu-context.js';
import { BufferUsage } from './gpu-flags.js';
import { bindGroupEntries, type BindingTable } from './wgsl-bindings.js';

/** A buffer and the bytes of it in use (pooled buffers are larger than asked for), from `offset` (default 0). */
export interface Slice {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
  /** Byte offset in `buffer` (a multiple of the device's storage offset alignment when bound). */
  readonly offset?: number;
}

/** One submission being recorded: temporary buffers, dispatches and read-backs. */
export class GpuOp {
  readonly encoder: GPUCommandEncoder;
  private pass: GPUComputePassEncoder | undefined;
  private readonly temps: GPUBuffer[];
  /** Where each read-back lands in the staging buffer. */
  readonly reads: { source: Slice; offset: number; bytes: number }[] = [];

  /**
   * @param pending commands already recorded for the queue (the resident store's copies) and their
   *   temporary buffers: this submission goes after them, in the same command buffer
   */
  constructor(
    readonly ctx: GpuContext,
    pending?: { readonly encoder: GPUCommandEncoder; readonly temps: GPUBuffer[] },
  ) {
    this.encoder = pending?.encoder ?? ctx.device.createCommandEncoder();
    this.temps = pending?.temps ?? [];
  }

  /** A temporary storage buffer holding tensor data `data` (counted as a transfer to the device). */
  upload(data: ArrayBufferView): Slice {
    const slice = this.params(data, 'an input');
    this.ctx.transfers.toBackend++;
    return slice;
  }

  /**
   * A temporary storage buffer holding call parameters the backend derives from a call's sizes and
   * options (offsets, key lengths, graph rows, slopes): like {@link upload}, not counted as a transfer.
   */
  params(data: ArrayBufferView, what = 'the call parameters'): Slice {
    this.checkBinding(data.byteLength, what);
    const buffer = this.ctx.pool.upload(data);
    this.temps.push(buffer);
    return { buffer, bytes: Math.max(4, Math.ceil(data.byteLength / 4) * 4) };
  }

  /** A temporary storage buffer of `bytes` bytes (contents undefined). */
  scratch(bytes: number, what = 'an intermediate'): Slice {
    this.checkBinding(bytes, what);
    const buffer = this.ctx.pool.acquire(
      Math.max(4, bytes),
      BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST,
    );
    this.temps.push(buffer);
    return { buffer, bytes: Math.max(4, Math.ceil(bytes / 4) * 4) };
  }

  /** A temporary uniform buffer holding `data`. */
  uniform(data: ArrayBuffer): Slice {
    const buffer = this.ctx.pool.acquire(data.byteLength, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.ctx.device.queue.writeBuffer(buffer, 0, data);
    this.temps.push(buffer);
    return { buffer, bytes: data.byteLength };
  }

  /**
   * Records a dispatch of `kernel` over `groups` workgroups, with one buffer per binding of its table,
   * by name (bound in the table's order; a missing or unknown name throws).
   */
  dispatch<T extends BindingTable>(
    kernel: Kernel<T>,
    buffers: { readonly [K in keyof T]: Slice },
    groups: readonly [number, number?, number?],
  ): void {
    const { key, bindings } = kernel.source;
    const entries = bindGroupEntries(key, bindings, buffers as Readonly<Record<string, Slice>>);
    const max = this.ctx.profile.maxWorkgroupsPerDimension;
    if (groups.some((g) => (g ?? 1) > max))
      throw new Error(
        `a dispatch of [${groups.join(', ')}] workgroups exceeds the device's maxComputeWorkgroupsPerDimension (${max})`,
      );
    if (groups.some((g) => (g ?? 1) === 0)) return;
    const bindGroup = this.ctx.device.createBindGroup({ layout: kernel.layout, entries });
    this.pass ??= this.encoder.beginComputePass();
    this.pass.setPipeline(kernel.pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(groups[0], groups[1] ?? 1, groups[2] ?? 1);
  }

  /**
   * Records a copy of `bytes` bytes between slices (device to device, nothing crosses to JavaScript). It
   * ends the compute pass: dispatches recorded afterwards see the copied data.
   */
  copy(src: Slice, dst: Slice, bytes: number): void {
    if (bytes <= 0) return;
    this.pass?.end();
    this.pass = undefined;
    this.encoder.copyBufferToBuffer(src.buffer, src.offset ?? 0, dst.buffer, dst.offset ?? 0, bytes);
  }

  /** Asks for `source`'s first `bytes` bytes to be read back at the end of the submission. */
  read(source: Slice, bytes = source.bytes): void {
    this.reads.push({ source, offset: this.readBytes(), bytes });
  }

  /** Staging bytes so far; each read starts 256-byte aligned (mapped ranges need multiples of 8). */
  private readBytes(): number {
    const last = this.reads[this.reads.length - 1];
    return last ? Math.ceil((last.offset + last.bytes) / 256) * 256 : 0;
  }

  /** Ends the pass, copies the read-backs into one staging buffer and submits. */
  finish(): GPUBuffer | undefined {
    this.pass?.end();
    this.pass = undefined;
    let staging: GPUBuffer | undefined;
    const total = this.readBytes();
    if (total > 0) {
      staging = this.ctx.pool.acquire(total, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
      this.temps.push(staging);
      for (const r of this.reads)
        if (r.bytes > 0)
          this.encoder.copyBufferToBuffer(r.source.buffer, r.source.offset ?? 0, staging, r.offset, r.bytes);
    }
    this.ctx.device.queue.submit([this.encoder.finish()]);
    return staging;
  }

  /** Returns the temporary buffers to the pool. */
  releaseTemps(): void {
    for (const b of this.temps) this.ctx.pool.release(b);
    this.temps.length = 0;
  }

  private checkBinding(bytes: number, what: string): void {
    const max = this.ctx.profile.maxBinding;
    if (bytes > max)
      throw new BindingLimitError(
        `${what} of ${bytes} bytes exceeds the device's storage binding limit (${max} bytes)`,
      );
  }
}

/** A buffer would exceed what the device can bind; the caller splits the work or refuses it. */
export class BindingLimitError extends Error {
  override readonly name = 'BindingLimitError';
}
