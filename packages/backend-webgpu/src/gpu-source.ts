/**
 * Where the `GPU` object comes from, and what an adapter is called. A source is a function returning the
 * platform's `GPU` (browser: `navigator.gpu`; Node: the `webgpu` package), throwing a
 * {@link GpuUnavailableError} that says why when there is none.
 */

/** Returns the platform's `GPU` object, or throws a {@link GpuUnavailableError} saying why there is none. */
export type GpuSource = () => Promise<GPU>;

/** There is no WebGPU here; the message says why and what to do. */
export class GpuUnavailableError extends Error {
  /** Always `GpuUnavailableError`, to tell it apart in logs and `catch` blocks. */
  override readonly name = 'GpuUnavailableError';
}

/** What the probe reports about an adapter. */
export interface AdapterSummary {
  /** A readable name: the adapter's description, device or vendor/architecture. */
  readonly name: string;
  /** The adapter info's vendor (e.g. `google`), or `''` when the implementation does not say. */
  readonly vendor: string;
  /** The adapter info's architecture (e.g. `swiftshader`), or `''` when the implementation does not say. */
  readonly architecture: string;
  /** True for a fallback (typically software) adapter. */
  readonly fallback: boolean;
  /** Subgroup sizes `[min, max]` when the adapter offers the `subgroups` feature. */
  readonly subgroups: readonly [number, number] | undefined;
}

type InfoLike = Partial<Record<'vendor' | 'architecture' | 'device' | 'description', string>> & {
  readonly isFallbackAdapter?: boolean;
  readonly subgroupMinSize?: number;
  readonly subgroupMaxSize?: number;
};

/** Summarises an adapter (tolerates the older `isFallbackAdapter` on the adapter itself). */
export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = ((adapter as GPUAdapter & { info?: InfoLike }).info ?? {}) as InfoLike;
  const fallback =
    info.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  return summarizeInfo(info, adapter.features.has('subgroups'), fallback);
}

/** Summarises a device's adapter, from `device.adapterInfo` when the implementation has it. */
export function summarizeDevice(device: GPUDevice): AdapterSummary {
  const info = ((device as GPUDevice & { adapterInfo?: InfoLike }).adapterInfo ?? {}) as InfoLike;
  return summarizeInfo(info, device.features.has('subgroups'), info.isFallbackAdapter ?? false);
}

function summarizeInfo(info: InfoLike, subgroupFeature: boolean, fallback: boolean): AdapterSummary {
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const name = info.description || info.device || [vendor, architecture].filter(Boolean).join(' ') || 'unnamed adapter';
  const subgroups =
    subgroupFeature && info.subgroupMinSize
      ? ([info.subgroupMinSize, info.subgroupMaxSize ?? info.subgroupMinSize] as const)
      : undefined;
  return { name, vendor, architecture, fallback, subgroups };
}

/** One line for reports: `SwiftShader driver 5.0.0 (google swiftshader), fallback adapter, subgroups 4-4`. */
export function describeAdapter(s: AdapterSummary): string {
  const detail = [s.vendor, s.architecture].filter(Boolean).join(' ');
  return [
    `${s.name}${detail && detail !== s.name ? ` (${detail})` : ''}`,
    s.fallback ? 'fallback adapter' : 'hardware adapter',
    s.subgroups ? `subgroups ${s.subgroups[0]}-${s.subgroups[1]}` : 'no subgroups',
  ].join(', ');
}

/** The browser's `navigator.gpu`. */
export const navigatorGpu: GpuSource = async () => {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) {
    throw new GpuUnavailableError(
      'navigator.gpu is missing: this environment has no WebGPU (it needs a secure context such as https or 127.0.0.1, and a browser with WebGPU enabled)',
    );
  }
  return gpu;
};

/** Why `requestAdapter()` may return nothing, for messages. */
export const NO_ADAPTER_HINT =
  'requestAdapter() returned no adapter: WebGPU is disabled or no GPU or software adapter is available (Chromium on Linux needs --enable-unsafe-webgpu; in Node a Vulkan, Metal or D3D driver, e.g. SwiftShader)';
