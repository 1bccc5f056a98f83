/**
 * One submission being recorded on a {@link GpuContext}: temporary buffers (returned to the context's pool
 * when the submission is done), dispatches by binding name into one compute pass, and the read-backs,
 * copied into one staging buffer. {@link GpuContext.run} creates it, submits it and maps the read-backs.
 */
import type { GpuContext, Kernel } from './gpu-context.js';
import { BufferUsage } from './gpu-flags.js';
import { bindGroupEntries, type BindingTable } from './wgsl-bindings.js';

/** A buffer and the bytes of it in use (pooled buffers are larger than asked for). */
export interface Slice {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
}

/** One submission being recorded: temporary buffers, dispatches and read-backs. */
export class GpuOp {
  readonly encoder: GPUCommandEncoder;
  private pass: GPUComputePassEncoder | undefined;
  private readonly temps: GPUBuffer[] = [];
  /** Where each read-back lands in the staging buffer. */
  readonly reads: { source: Slice; offset: number; bytes: number }[] = [];

  constructor(readonly ctx: GpuContext) {
    this.encoder = ctx.device.createCommandEncoder();
  }

  /** A temporary storage buffer holding `data`. */
  upload(data: ArrayBufferView): Slice {
    this.checkBinding(data.byteLength, 'an input');
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
        if (r.bytes > 0) this.encoder.copyBufferToBuffer(r.source.buffer, 0, staging, r.offset, r.bytes);
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
