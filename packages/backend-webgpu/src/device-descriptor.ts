/** The limits asked for at the adapter's own values, so that no kernel runs under WebGPU's defaults. */
const ADAPTER_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxStorageBuffersPerShaderStage',
] as const;

/**
 * The device descriptor the backend (and its tests) request: the adapter's limits, `subgroups` when asked
 * for (the caller decides whether the adapter offers them and whether to use them), and `shader-f16`
 * whenever the adapter offers it (float16 storage in the kernels; whether a backend uses it is its
 * `float16` option).
 *
 * @example
 * ```ts
 * const device = await adapter.requestDevice(deviceDescriptor(adapter, adapter.features.has('subgroups')));
 * ```
 */
export function deviceDescriptor(adapter: GPUAdapter, subgroups: boolean): GPUDeviceDescriptor {
  const requiredLimits: Record<string, number> = {};
  for (const name of ADAPTER_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures: GPUFeatureName[] = subgroups ? ['subgroups' as GPUFeatureName] : [];
  if (adapter.features.has('shader-f16')) requiredFeatures.push('shader-f16' as GPUFeatureName);
  return { label: 'attnkit', requiredFeatures, requiredLimits };
}
