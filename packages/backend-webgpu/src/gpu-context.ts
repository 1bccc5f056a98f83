/**
 * One WebGPU device as the kernels use it: cached pipelines with explicit layouts, the buffer pool,
 * validation and out-of-memory error scopes around every submission, and device loss turned into a
 * clear error. A {@link GpuOp} records one submission (uploads, dispatches, one read-back).
 */
import { GpuBufferPool } from './gpu-buffer-pool.js';
import { BufferUsage, MAP_READ } from './gpu-flags.js';
import { bindGroupEntries, layoutEntries, layoutKey, type BindingTable, type KernelSource } from './wgsl-bindings.js';

/** A compiled kernel: its pipeline, bind-group layout and the source (binding table) it came from. */
export interface Kernel<T extends BindingTable = BindingTable> {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  readonly source: KernelSource<T>;
}

/** A buffer and the bytes of it in use (pooled buffers are larger than asked for). */
export interface Slice {
  readonly buffer: GPUBuffer;
  readonly bytes: number;
}

/** Device facts that choose kernel variants and chunk sizes. */
export interface DeviceProfile {
  readonly maxWorkgroupStorage: number;
  readonly maxInvocations: number;
  readonly maxWorkgroupSizeX: number;
  readonly maxWorkgroupsPerDimension: number;
  /** Bytes one storage binding may span (possibly lowered by the backend's options). */
  readonly maxBinding: number;
  readonly maxBufferSize: number;
  /** Smallest subgroup size when the `subgroups` feature is enabled, else 0. */
  readonly subgroupMinSize: number;
  /** A software (fallback) adapter: smaller tiles compile and run better there. */
  readonly software: boolean;
}

/** Options of a {@link GpuContext}. */
export interface GpuContextOptions {
  /** Wrap every submission in validation and out-of-memory error scopes (default true). */
  readonly checkErrors?: boolean;
  /** Caps the bytes bound per storage buffer below the device's limit. */
  readonly maxBindingSize?: number;
  /** Destroy the device on `destroy()` (true when the backend requested it). */
  readonly ownsDevice?: boolean;
  /** The adapter's smallest subgroup size (used only when the device has the `subgroups` feature). */
  readonly subgroupMinSize?: number;
  /** The adapter is a fallback (software) adapter. */
  readonly software?: boolean;
  /**
   * Objects the device depends on (the `GPU`, the adapter), referenced until `destroy()`: Dawn in Node
   * tears its instance down when its `GPU` object is collected, even with a device still in use.
   */
  readonly keepAlive?: readonly unknown[];
}

/** A device with caches; see the module comment. */
export class GpuContext {
  readonly pool: GpuBufferPool;
  readonly profile: DeviceProfile;
  private readonly kernels = new Map<string, Kernel<BindingTable>>();
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private lostInfo: { reason: string; message: string } | undefined;
  private destroyed = false;
  private keepAlive: readonly unknown[];
  readonly checkErrors: boolean;

  constructor(readonly device: GPUDevice, private readonly options: GpuContextOptions = {}) {
    this.pool = new GpuBufferPool(device);
    this.checkErrors = options.checkErrors ?? true;
    this.keepAlive = options.keepAlive ?? [];
    const l = device.limits;
    const subgroups = device.features.has('subgroups');
    const info = (device as GPUDevice & { adapterInfo?: { subgroupMinSize?: number } }).adapterInfo;
    this.profile = {
      maxWorkgroupStorage: l.maxComputeWorkgroupStorageSize,
      maxInvocations: l.maxComputeInvocationsPerWorkgroup,
      maxWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxBinding: Math.min(l.maxStorageBufferBindingSize, options.maxBindingSize ?? Infinity),
      maxBufferSize: l.maxBufferSize,
      subgroupMinSize: subgroups ? (options.subgroupMinSize ?? info?.subgroupMinSize ?? 0) : 0,
      software: options.software ?? false,
    };
    device.lost.then((i) => {
      this.lostInfo = { reason: i.reason ?? 'unknown', message: i.message };
    }, () => undefined);
  }

  /** Throws the device-lost error if the device is gone. */
  assertAlive(): void {
    if (this.lostInfo) {
      throw new Error(`the WebGPU device was lost (${this.lostInfo.reason}${this.lostInfo.message ? `: ${this.lostInfo.message}` : ''}); this backend cannot run any more: dispose it and create a new one`);
    }
  }

  /**
   * The kernel of `source`, compiled on first use; its layout comes from the source's binding table.
   * Throws when another source with different bindings already took the same key.
   */
  kernel<T extends BindingTable>(source: KernelSource<T>): Kernel<T> {
    const cached = this.kernels.get(source.key);
    if (cached) {
      if (cached.source.declarations !== source.declarations) throw new Error(`kernel key "${source.key}" is used by two kernels with different bindings`);
      return cached as unknown as Kernel<T>;
    }
    const layout = this.layout(source.bindings);
    const module = this.device.createShaderModule({ label: source.key, code: source.code() });
    const pipeline = this.device.createComputePipeline({
      label: source.key,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const k: Kernel<T> = { pipeline, layout, source };
    this.kernels.set(source.key, k as unknown as Kernel<BindingTable>);
    return k;
  }

  /** Number of cached pipelines. */
  get kernelCount(): number {
    return this.kernels.size;
  }

  private layout(bindings: BindingTable): GPUBindGroupLayout {
    const key = layoutKey(bindings);
    let layout = this.layouts.get(key);
    if (!layout) {
      layout = this.device.createBindGroupLayout({ entries: layoutEntries(bindings) });
      this.layouts.set(key, layout);
    }
    return layout;
  }

  /**
   * Records one submission with `build` (synchronously), submits it inside error scopes, waits for it and
   * returns the read-backs it asked for, as float32 arrays in the order asked.
   */
  async run(build: (op: GpuOp) => void): Promise<Float32Array[]> {
    this.assertAlive();
    if (this.destroyed) throw new Error('the WebGPU context was destroyed');
    const { device } = this;
    const op = new GpuOp(this);
    if (this.checkErrors) {
      device.pushErrorScope('out-of-memory');
      device.pushErrorScope('validation');
    }
    let thrown: unknown;
    let staging: GPUBuffer | undefined;
    try {
      build(op);
      staging = op.finish();
    } catch (e) {
      thrown = e;
    }
    const scopes = this.checkErrors ? [device.popErrorScope(), device.popErrorScope()] : [];
    try {
      if (thrown) throw thrown;
      const [validation, oom] = await Promise.all(scopes);
      this.assertAlive();
      if (validation) throw new Error(`WebGPU validation error: ${validation.message}`);
      if (oom) throw new Error(`the WebGPU device ran out of memory: ${oom.message}`);
      if (!staging) {
        await device.queue.onSubmittedWorkDone();
        return [];
      }
      try {
        await staging.mapAsync(MAP_READ);
      } catch (e) {
        this.assertAlive();
        throw new Error(`reading the result back failed: ${(e as Error)?.message || String(e)} (the device may have been lost)`);
      }
      try {
        return op.reads.map(({ offset, bytes }) => new Float32Array(staging!.getMappedRange(offset, bytes).slice(0)));
      } finally {
        staging.unmap();
      }
    } finally {
      op.releaseTemps();
    }
  }

  /** Destroys every buffer (and the device when this context requested it). */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pool.destroyAll();
    this.kernels.clear();
    this.layouts.clear();
    if (this.options.ownsDevice) this.device.destroy();
    this.keepAlive = [];
  }
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
    const buffer = this.ctx.pool.acquire(Math.max(4, bytes), BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
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
  dispatch<T extends BindingTable>(kernel: Kernel<T>, buffers: { readonly [K in keyof T]: Slice }, groups: readonly [number, number?, number?]): void {
    const { key, bindings } = kernel.source;
    const entries = bindGroupEntries(key, bindings, buffers as Readonly<Record<string, Slice>>);
    const max = this.ctx.profile.maxWorkgroupsPerDimension;
    if (groups.some((g) => (g ?? 1) > max)) throw new Error(`a dispatch of [${groups.join(', ')}] workgroups exceeds the device's maxComputeWorkgroupsPerDimension (${max})`);
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
      for (const r of this.reads) if (r.bytes > 0) this.encoder.copyBufferToBuffer(r.source.buffer, 0, staging, r.offset, r.bytes);
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
    if (bytes > max) throw new BindingLimitError(`${what} of ${bytes} bytes exceeds the device's storage binding limit (${max} bytes)`);
  }
}

/** A buffer would exceed what the device can bind; the caller splits the work or refuses it. */
export class BindingLimitError extends Error {
  override readonly name = 'BindingLimitError';
}
