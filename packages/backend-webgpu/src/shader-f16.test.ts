/**
 * The `shader-f16` road without a GPU that has it. Dawn's null backend offers `shader-f16` and `subgroups`
 * and runs Tint's whole WGSL validation and pipeline creation, but executes nothing: here every kernel the
 * backend can build for it (kernel-catalog.ts) must compile without an error message and link against its
 * bind-group layout without a validation error, and whole calls (fused, three-pass, weights, additive, a
 * float16 model) must record and submit without one. Which road a backend takes is checked here on the
 * null adapter, and in float16.test.ts on the software adapter, which lacks `shader-f16` (a null device and
 * a software one in one test process crashed it at exit, now and then). Results of the `shader-f16` road
 * cannot be checked here (scripts/f16-device-check.mjs does that on a GPU).
 */
import { initWeights, toFloat16, type HalfTensor } from '@attnkit/core';
import { makeInputs, tinyEncoderSpec } from '@attnkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceDescriptor } from './device-descriptor.js';
import { fusedAttentionKernel } from './flash-attention.wgsl.js';
import { GpuContext } from './gpu-context.js';
import { kernelCatalog } from './kernel-catalog.js';
import { createWebGpuBackend, nodeGpu } from './node.js';
import { fusedShape } from './variants.js';
import { kernelSource, layoutEntries, read, readWrite, type KernelSource } from './wgsl-bindings.js';

/** Dawn's null backend: `nodeGpu` keeps its `GPU` object for the process, like every other one it makes. */
const nullGpu = (): Promise<GPU> => nodeGpu({ flags: ['backend=null'] });

/** Compilation errors and pipeline validation errors of `source` on `device`, with its real layout. */
async function shaderErrors(device: GPUDevice, source: KernelSource): Promise<string[]> {
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: source.key, code: source.code() });
  const layout = device.createBindGroupLayout({ entries: layoutEntries(source.bindings) });
  device.createComputePipeline({
    label: source.key,
    layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
    compute: { module, entryPoint: 'main' },
  });
  const validation = await device.popErrorScope();
  const info = await module.getCompilationInfo();
  const errors = info.messages
    .filter((m) => m.type === 'error')
    .map((m) => `${source.key}:${m.lineNum}:${m.linePos}: ${m.message.split('\n')[0]}`);
  if (validation) errors.push(`${source.key}: ${validation.message.split('\n')[0]}`);
  return errors;
}

describe('the shader-f16 road on the null adapter (validation only)', async () => {
  const gpu = await nullGpu();
  const adapter = (await gpu.requestAdapter())!;
  let device: GPUDevice;
  const uncaptured: string[] = [];
  beforeAll(async () => {
    device = await adapter.requestDevice(deviceDescriptor(adapter, true));
    device.addEventListener('uncapturederror', (e) => uncaptured.push((e as GPUUncapturedErrorEvent).error.message));
  });
  afterAll(() => device.destroy());

  it('the adapter offers shader-f16, and the device is requested with it', () => {
    expect(adapter.features.has('shader-f16')).toBe(true);
    expect(deviceDescriptor(adapter, false).requiredFeatures).toContain('shader-f16');
    expect(device.features.has('shader-f16')).toBe(true);
  });

  it('every kernel the backend can build compiles and links: no error message, no validation error', async () => {
    const base = new GpuContext(device).profile;
    expect(base.shaderF16).toBe(true);
    // The device's own limits, with each subgroup size the lanes follow (1, 2, 4, 8 lanes) and both tile rules.
    const sources = new Map<string, KernelSource>();
    for (const subgroupMinSize of [0, 2, 4, 8, 32])
      for (const software of [false, true])
        for (const k of kernelCatalog({ ...base, subgroupMinSize, software })) sources.set(k.key, k);
    const keys = [...sources.keys()];
    // The catalog has the f16 variants of all three kernels families, and the float32 ones beside them.
    const fusedF16 = keys.filter((k) => k.startsWith('fused/') && k.includes('/in-f16/'));
    expect(fusedF16.length).toBeGreaterThan(50);
    for (const lanes of [1, 2, 4, 8]) expect(fusedF16.some((k) => k.includes(`l${lanes}/`))).toBe(true);
    expect(keys.filter((k) => k.startsWith('fused/') && !k.includes('/in-')).length).toBeGreaterThan(50);
    for (const k of [
      'scores/in-f16',
      'additive-scores/in-f16',
      'weighted-sum/in-f16/out-f16',
      'weighted-sum/in-f16/out-f32',
      'linear-shader-f16',
      'add-rows-shader-f16',
      'linear-f16',
      'narrow-halves',
    ])
      expect(keys).toContain(k);
    const errors: string[] = [];
    for (const source of sources.values()) errors.push(...(await shaderErrors(device, source)));
    expect(errors).toEqual([]);
  });

  it('the check fails on a broken f16 expression and on storage that does not match its layout', async () => {
    const shape = fusedShape(new GpuContext(device).profile, 64, 64, 2, false, 2)!;
    const good = fusedAttentionKernel(shape, { input: 'f16', output: 'f16' });
    expect(good.code()).toContain('f32(kt[kc + d])');
    // An f16 tile element multiplied by an f32 without its widening: a type error.
    const broken: KernelSource = { ...good, code: () => good.code().replace('f32(kt[kc + d])', 'kt[kc + d]') };
    const errors = await shaderErrors(device, broken);
    expect(errors.join('\n')).toMatch(/no matching overload for 'operator \* \(f32, f16\)'/);
    // A read-write f16 binding declared read-only in the layout: pipeline creation fails validation.
    const mismatch = kernelSource(
      'test/f16-layout',
      { x: read('array<f16>'), y: readWrite('array<f16>') },
      (d) => `enable f16;\n${d}\n@compute @workgroup_size(1) fn main() { y[0] = x[0] * 2.0h; }`,
    );
    expect(await shaderErrors(device, mismatch)).toEqual([]);
    const wrongLayout: KernelSource = { ...mismatch, bindings: { x: read('array<f16>'), y: read('array<f16>') } };
    expect((await shaderErrors(device, wrongLayout)).join('\n')).toMatch(/test\/f16-layout: /);
  });

  describe('whole calls record and submit without a validation error', () => {
    const shape = { B: 2, Hq: 4, Hkv: 2, Sq: 7, Sk: 9, Dk: 24, Dv: 40 };
    const f32 = makeInputs(shape, 5);
    const [q, k, v] = [f32.q, f32.k, f32.v].map(toFloat16) as [HalfTensor, HalfTensor, HalfTensor];

    /** Runs `body` on a backend over the null device and returns the shader modules it built. */
    async function modulesOf(
      options: { float16?: 'auto' | 'packed'; kernel?: 'auto' | 'three-pass' },
      body: (b: Awaited<ReturnType<typeof createWebGpuBackend>>) => Promise<void>,
    ): Promise<string[]> {
      const labels: string[] = [];
      const create = device.createShaderModule.bind(device);
      device.createShaderModule = (d: GPUShaderModuleDescriptor) => {
        labels.push(d.label ?? '');
        return create(d);
      };
      const backend = await createWebGpuBackend({ device, ...options });
      try {
        await body(backend);
      } finally {
        await backend.dispose();
        device.createShaderModule = create;
      }
      return labels;
    }

    it('attention on the shader-f16 road binds halves as f16: no widening or narrowing pass', async () => {
      let info: unknown;
      const labels = await modulesOf({}, async (b) => {
        info = b.info.float16;
        const r = await b.attention(q, k, v, { causal: true, window: { left: 3, right: 1 } });
        expect(r.output.dtype).toBe('float16');
        expect(r.output.data).toBeInstanceOf(Uint16Array);
        expect(r.output.data.length).toBe(2 * 4 * 7 * 40);
        const wide = await b.attention(q, k, v, { outputDtype: 'float32' });
        expect(wide.output.data).toBeInstanceOf(Float32Array);
        const decode = await b.attention(toFloat16(makeInputs({ ...shape, Sq: 1 }, 6).q), k, v);
        expect(decode.output.data).toBeInstanceOf(Uint16Array);
        const maps = await b.attention(q, k, v, { attentionMap: 'probs', softcap: 5 });
        expect(maps.attentionMap?.data.length).toBe(2 * 4 * 7 * 9);
        const additive = Float32Array.from({ length: 4 * 24 }, (_, i) => Math.sin(i));
        await b.attention(q, k, v, { relevance: { kind: 'additive', weights: { data: additive, shape: [4, 24] } } });
      });
      expect(info).toBe('shader-f16');
      expect(labels.some((l) => /^fused\/.*\/in-f16\/out-f16$/.test(l))).toBe(true);
      expect(labels.some((l) => /^fused\/.*\/in-f16\/out-f32$/.test(l))).toBe(true);
      expect(labels).toContain('scores/in-f16');
      expect(labels).toContain('additive-scores/in-f16');
      expect(labels).toContain('weighted-sum/in-f16/out-f16');
      expect(labels).not.toContain('widen-halves');
      expect(labels).not.toContain('narrow-halves');
    });

    it('three-pass on the shader-f16 road', async () => {
      const labels = await modulesOf({ kernel: 'three-pass' }, async (b) => {
        await b.attention(q, k, v, { causal: true });
      });
      expect(labels).toEqual(expect.arrayContaining(['scores/in-f16', 'softmax', 'weighted-sum/in-f16/out-f16']));
    });

    it('a float16 model binds its matrices as array<f16>', async () => {
      const spec = tinyEncoderSpec({ layers: 2, positional: { kind: 'learned', maxLength: 8 } });
      const labels = await modulesOf({}, async (b) => {
        const model = await b.compile(spec, initWeights(spec, { seed: 2 }), { dtype: 'float16' });
        await model.run({ shape: [2, 5, 3], data: new Float32Array(30).fill(0.25) });
        await model.dispose();
      });
      expect(labels).toEqual(expect.arrayContaining(['linear-shader-f16', 'add-rows-shader-f16']));
      expect(labels).not.toContain('linear-f16');
    });

    it("forced off with float16: 'packed', it takes the packed road on the same device", async () => {
      let info: unknown;
      const labels = await modulesOf({ float16: 'packed' }, async (b) => {
        info = b.info.float16;
        await b.attention(q, k, v, { causal: true });
        const spec = tinyEncoderSpec({ positional: { kind: 'learned', maxLength: 8 } });
        const model = await b.compile(spec, initWeights(spec, { seed: 2 }), { dtype: 'float16' });
        await model.run({ shape: [1, 4, 3], data: new Float32Array(12).fill(0.5) });
        await model.dispose();
      });
      expect(info).toBe('packed');
      expect(labels).toEqual(expect.arrayContaining(['widen-halves', 'narrow-halves', 'linear-f16', 'add-rows-f16']));
      expect(labels.filter((l) => l.includes('f16/') || l.includes('shader-f16'))).toEqual([]);
    });

    it('raised no uncaptured WebGPU error', () => {
      expect(uncaptured).toEqual([]);
    });
  });
});
