/**
 * Test helpers (not part of the package): a fresh device on Node's adapter with every uncaptured error
 * recorded, buffer accounting (which buffers were made, which destroyed), and a context on such a device
 * for one test suite.
 */
import { afterAll } from 'vitest';
import { GpuContext } from './gpu-context.js';
import { nodeGpu } from './node-gpu.js';
import { requestRecordedDevice } from './test-device-request.js';

/** A device and what happened on it. */
export interface TestDevice {
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  /** Errors no error scope caught. */
  readonly uncaptured: string[];
  /** Every buffer created on the device, and whether it was destroyed. */
  readonly buffers: Map<GPUBuffer, { destroyed: boolean }>;
}

/** Requests a device with the adapter's limits and subgroups, tracking its buffers and errors. */
export async function testDevice(): Promise<TestDevice> {
  const gpu = await nodeGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter: run scripts/setup-system.sh');
  const { device, uncaptured } = await requestRecordedDevice(adapter);
  const buffers = new Map<GPUBuffer, { destroyed: boolean }>();
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = create(descriptor);
    const state = { destroyed: false };
    buffers.set(buffer, state);
    const destroy = buffer.destroy.bind(buffer);
    buffer.destroy = () => {
      state.destroyed = true;
      destroy();
    };
    return buffer;
  };
  return { gpu, adapter, device, uncaptured, buffers };
}

/** Buffers created and not destroyed. */
export function liveBuffers(t: TestDevice): number {
  let n = 0;
  for (const s of t.buffers.values()) if (!s.destroyed) n++;
  return n;
}

/**
 * A {@link GpuContext} on a fresh {@link testDevice}, both destroyed once the calling `describe` block's
 * tests are done. Call it in the block's body.
 *
 * @example
 * ```ts
 * describe('a suite on a device', async () => {
 *   const { t, ctx } = await suiteContext();
 *   it('raised no uncaptured WebGPU error', () => expect(t.uncaptured).toEqual([]));
 * });
 * ```
 */
export async function suiteContext(): Promise<{ t: TestDevice; ctx: GpuContext }> {
  const t = await testDevice();
  const ctx = new GpuContext(t.device);
  afterAll(() => {
    ctx.destroy();
    t.device.destroy();
  });
  return { t, ctx };
}
