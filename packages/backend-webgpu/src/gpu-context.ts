/**
 * One WebGPU device as the kernels use it: cached pipelines with explicit layouts, the buffer pool,
 * validation and out-of-memory error scopes around every submission, and device loss turned into a
 * clear error. A {@link GpuOp} records one submission (uploads, dispatches, one read-back). Copies the
 * resident store records between submissions ({@link GpuContext.pendingEncoder}) go out with the next
 * one, and the context counts every copy of tensor data between JavaScript and the device
 * ({@link GpuContext.transfers}).
 */
import { GpuBufferPool } from './gpu-buffer-pool.js';
import { MAP_READ } from './gpu-flags.js';
import { GpuOp } from './gpu-op.js';
import { layoutEntries, layoutKey, type BindingTable, type KernelSource } from './wgsl-bindings.js';

/** A compiled kernel: its pipeline, bind-group layout and the source (binding table) it came from. */
export interface Kernel<T extends BindingTable = BindingTable> {
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  readonly source: KernelSource<T>;
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
  /** `minStorageBufferOffsetAlignment`: where a binding may start inside a buffer. */
  readonly offsetAlignment: number;
  /** Smallest subgroup size when the `subgroups` feature is enabled, else 0. */
  readonly subgroupMinSize: number;
  /** A software (fallback) adapter: smaller tiles compile and run better there. */
  readonly software: boolean;
  /** The device has the `shader-f16` feature (WGSL `f16`, `array<f16>` storage). */
  readonly shaderF16: boolean;
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
  /** Copies of tensor data made so far: uploads (`toBackend`) and read-backs (`toHost`), one per tensor or slice. */
  readonly transfers = { toBackend: 0, toHost: 0 };
  /** Commands recorded outside a submission (device-side copies), and their temporary buffers. */
  private pending: { encoder: GPUCommandEncoder; temps: GPUBuffer[] } | undefined;
  /** The first error of work done outside {@link run} (allocations, flushed copies), checked by the next run. */
  private deferred: Promise<GPUError | null> = Promise.resolve(null);

  constructor(
    readonly device: GPUDevice,
    private readonly options: GpuContextOptions = {},
  ) {
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
      offsetAlignment: l.minStorageBufferOffsetAlignment,
      subgroupMinSize: subgroups ? (options.subgroupMinSize ?? info?.subgroupMinSize ?? 0) : 0,
      software: options.software ?? false,
      shaderF16: device.features.has('shader-f16'),
    };
    device.lost.then(
      (i) => {
        this.lostInfo = { reason: i.reason ?? 'unknown', message: i.message };
      },
      () => undefined,
    );
  }

  /** Throws the device-lost error if the device is gone. */
  assertAlive(): void {
    if (this.lostInfo) {
      throw new Error(
        `the WebGPU device was lost (${this.lostInfo.reason}${this.lostInfo.message ? `: ${this.lostInfo.message}` : ''}); this backend cannot run any more: dispose it and create a new one`,
      );
    }
  }

  /**
   * The kernel of `source`, compiled on first use; its layout comes from the source's binding table.
   * Throws when another source with different bindings already took the same key.
   */
  kernel<T extends BindingTable>(source: KernelSource<T>): Kernel<T> {
    const cached = this.kernels.get(source.key);
    if (cached) {
      if (cached.source.declarations !== source.declarations)
        throw new Error(`kernel key "${source.key}" is used by two kernels with different bindings`);
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
   * The encoder that collects device-side commands recorded outside a submission (the resident store's
   * copies). The next {@link run} submits them first, in its own command buffer; {@link flush} submits
   * them alone. `temps` are pool buffers to hand back once they have been submitted.
   */
  pendingEncoder(): { readonly encoder: GPUCommandEncoder; readonly temps: GPUBuffer[] } {
    this.assertUsable();
    this.pending ??= { encoder: this.device.createCommandEncoder(), temps: [] };
    return this.pending;
  }

  /**
   * Submits the pending commands now: before anything that must come after them on the queue without a
   * submission of its own (`queue.writeBuffer`, destroying a buffer they use).
   */
  flush(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.checked(() => this.device.queue.submit([pending.encoder.finish()]));
    for (const b of pending.temps) this.pool.release(b);
  }

  /**
   * Runs `work` (device calls outside a submission: allocations, a flushed copy) inside error scopes whose
   * outcome the next {@link run} checks, since `work` cannot wait for them.
   */
  checked<T>(work: () => T): T {
    if (!this.checkErrors) return work();
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    try {
      return work();
    } finally {
      const scopes = [this.deferred, this.device.popErrorScope(), this.device.popErrorScope()];
      this.deferred = Promise.all(scopes).then((errors) => errors.find((e) => e !== null) ?? null);
    }
  }

  private assertUsable(): void {
    this.assertAlive();
    if (this.destroyed) throw new Error('the WebGPU context was destroyed');
  }

  /**
   * Records one submission with `build` (synchronously), submits it inside error scopes, waits for it and
   * returns the read-backs it asked for, as float32 arrays in the order asked.
   */
  async run(build: (op: GpuOp) => void): Promise<Float32Array[]> {
    this.assertUsable();
    const { device } = this;
    const pending = this.pending;
    this.pending = undefined;
    const op = new GpuOp(this, pending);
    const earlier = this.deferred;
    this.deferred = Promise.resolve(null);
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
      const before = await earlier;
      if (before)
        throw new Error(`an earlier operation on a resident tensor failed (${before.message}); its data may be lost`);
      if (!staging) {
        await device.queue.onSubmittedWorkDone();
        return [];
      }
      try {
        await staging.mapAsync(MAP_READ);
      } catch (e) {
        this.assertAlive();
        throw new Error(
          `reading the result back failed: ${(e as Error)?.message || String(e)} (the device may have been lost)`,
        );
      }
      try {
        this.transfers.toHost += op.reads.length;
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
    this.pending = undefined;
    this.deferred = Promise.resolve(null);
    this.pool.destroyAll();
    this.kernels.clear();
    this.layouts.clear();
    if (this.options.ownsDevice) this.device.destroy();
    this.keepAlive = [];
  }
}
