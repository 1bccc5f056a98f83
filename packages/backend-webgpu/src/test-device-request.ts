/**
 * How the tests, the browser-test page and the scripts ask an adapter for a device (not part of the
 * package; browser-safe, so the page can bundle it): with the adapter's own limits and, where it has them,
 * subgroups.
 */

import { deviceDescriptor } from './device-descriptor.js';

/**
 * A device descriptor asking for the adapter's limits and, when it offers them, subgroups.
 *
 * @example
 * ```ts
 * const device = await adapter.requestDevice(fullDeviceDescriptor(adapter));
 * ```
 */
export function fullDeviceDescriptor(adapter: GPUAdapter): GPUDeviceDescriptor {
  return deviceDescriptor(adapter, adapter.features.has('subgroups'));
}

/** A device from {@link fullDeviceDescriptor}, with every error no error scope caught recorded in `uncaptured`. */
export async function requestRecordedDevice(adapter: GPUAdapter): Promise<{ device: GPUDevice; uncaptured: string[] }> {
  const device = await adapter.requestDevice(fullDeviceDescriptor(adapter));
  const uncaptured: string[] = [];
  device.addEventListener('uncapturederror', (e) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message));
  return { device, uncaptured };
}
