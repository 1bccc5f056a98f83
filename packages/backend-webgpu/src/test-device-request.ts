/**
 * How the tests, the browser-test page and the scripts ask an adapter for a device (not part of the
 * package; browser-safe, so the page can bundle it): with the adapter's own limits and, where it has them,
 * subgroups.
 */

/** The limits asked for at the adapter's values, so that no test runs under the defaults. */
const LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

/**
 * A device descriptor asking for the adapter's limits and, when it offers them, subgroups.
 *
 * @example
 * ```ts
 * const device = await adapter.requestDevice(fullDeviceDescriptor(adapter));
 * ```
 */
export function fullDeviceDescriptor(adapter: GPUAdapter): GPUDeviceDescriptor {
  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('subgroups') ? ['subgroups' as GPUFeatureName] : [];
  return { requiredLimits, requiredFeatures };
}

/** A device from {@link fullDeviceDescriptor}, with every error no error scope caught recorded in `uncaptured`. */
export async function requestRecordedDevice(adapter: GPUAdapter): Promise<{ device: GPUDevice; uncaptured: string[] }> {
  const device = await adapter.requestDevice(fullDeviceDescriptor(adapter));
  const uncaptured: string[] = [];
  device.addEventListener('uncapturederror', (e) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message));
  return { device, uncaptured };
}
