/**
 * Each kernel's bindings are declared once, in its table: the WGSL declarations, the bind-group layout and
 * the order of the buffers at dispatch all come from it and agree, for every kernel of the package.
 */
import { describe, expect, it } from 'vitest';
import { ENCODER_KERNELS } from './encoder-ops.wgsl.js';
import { fusedAttentionKernel } from './flash-attention.wgsl.js';
import type { Slice } from './gpu-op.js';
import { suiteContext } from './test-support.js';
import { scoresKernel, softmaxKernel, weightedSumKernel } from './three-pass.wgsl.js';
import {
  bindGroupEntries,
  kernelSource,
  layoutEntries,
  read,
  readWrite,
  uniform,
  type KernelSource,
} from './wgsl-bindings.js';
import { packFields } from './wgsl-struct.js';

const KERNELS: KernelSource[] = [
  fusedAttentionKernel({ dk: 64, dv: 32, tq: 64, tk: 8, lanes: 1 }),
  fusedAttentionKernel({ dk: 64, dv: 64, tq: 16, tk: 32, lanes: 4 }),
  scoresKernel,
  softmaxKernel,
  weightedSumKernel,
  ...ENCODER_KERNELS,
];

const LAYOUT_OF: Record<string, GPUBufferBindingType> = {
  uniform: 'uniform',
  'storage, read': 'read-only-storage',
  'storage, read_write': 'storage',
};

/** The `@binding(n) var<address> name` declarations of a WGSL module, in text order. */
function declared(wgsl: string): { binding: number; address: string; name: string }[] {
  return [...wgsl.matchAll(/@group\(0\) @binding\((\d+)\) var<([^>]+)> (\w+)/g)].map((m) => ({
    binding: Number(m[1]),
    address: m[2]!,
    name: m[3]!,
  }));
}

/** A fake slice per name: a buffer object that says which binding name it was given for. */
function fakeSlices(names: readonly string[]): Record<string, Slice> {
  return Object.fromEntries(names.map((name) => [name, { buffer: { label: name } as unknown as GPUBuffer, bytes: 4 }]));
}

describe('a kernel binding table', () => {
  it.each(KERNELS.map((k) => [k.key, k] as const))('%s: its WGSL, layout and dispatch order agree', (_, kernel) => {
    const names = Object.keys(kernel.bindings);
    const decls = declared(kernel.code());
    expect(decls.map((d) => d.name)).toEqual(names);
    expect(decls.map((d) => d.binding)).toEqual(names.map((_, n) => n));
    const layout = layoutEntries(kernel.bindings);
    expect(layout.map((e) => e.binding)).toEqual(names.map((_, n) => n));
    expect(layout.map((e) => e.buffer?.type)).toEqual(decls.map((d) => LAYOUT_OF[d.address]));
    // Buffers given in reverse name order still bind in table order.
    const entries = bindGroupEntries(kernel.key, kernel.bindings, fakeSlices([...names].reverse()));
    expect(
      entries.map((e) => [e.binding, ((e.resource as GPUBufferBinding).buffer as unknown as { label: string }).label]),
    ).toEqual(names.map((name, n) => [n, name]));
  });

  it('declares each uniform block struct from its fields', () => {
    const k = kernelSource('t', { P: uniform('Params', { n: 'u32', eps: 'f32' }), y: readWrite() }, (d) => d);
    expect(k.code()).toBe(
      'struct Params {\n  n: u32,\n  eps: f32,\n}\n@group(0) @binding(0) var<uniform> P: Params;\n@group(0) @binding(1) var<storage, read_write> y: array<f32>;',
    );
  });

  it('refuses a dispatch that leaves a declared binding without a buffer, naming it', () => {
    const names = Object.keys(scoresKernel.bindings).filter((n) => n !== 'w');
    expect(() => bindGroupEntries('scores', scoresKernel.bindings, fakeSlices(names))).toThrow(
      /kernel "scores": binding "w" \(@binding\(6\)\) was given no buffer/,
    );
  });

  it('refuses a buffer for a name that is no binding', () => {
    const slices = { ...fakeSlices(Object.keys(softmaxKernel.bindings)), weights: fakeSlices(['x']).x! };
    expect(() => bindGroupEntries('softmax', softmaxKernel.bindings, slices)).toThrow(
      /kernel "softmax": "weights" is not one of its bindings \(P, s\)/,
    );
  });

  it('refuses WGSL that declares a binding of its own beside the table', () => {
    const k = kernelSource(
      't',
      { x: read() },
      (d) => `${d}\n@group(0) @binding(1) var<storage, read_write> y: array<f32>;`,
    );
    expect(() => k.code()).toThrow(/kernel "t": its WGSL declares 2 bindings, its table 1/);
  });

  it('refuses a binding name that is not a WGSL identifier', () => {
    expect(() => kernelSource('t', { '0': read() }, (d) => d)).toThrow(/binding name "0"/);
  });
});

describe('dispatching by binding name on a device', async () => {
  const { t, ctx } = await suiteContext();
  const axpy = kernelSource(
    'test/axpy',
    { P: uniform('Params', { n: 'u32', a: 'f32' }), x: read(), y: read(), out: readWrite() },
    (decls) => `${decls}
@compute @workgroup_size(4) fn main(@builtin(local_invocation_index) i: u32) { if (i < P.n) { out[i] = P.a * x[i] + y[i]; } }`,
  );

  it('binds each buffer to its own binding whatever the order it is given in', async () => {
    const [out] = await ctx.run((op) => {
      const out = op.scratch(16);
      const P = op.uniform(packFields(axpy.bindings.P.fields, { n: 4, a: 2 }));
      op.dispatch(
        ctx.kernel(axpy),
        { out, y: op.upload(new Float32Array([10, 20, 30, 40])), x: op.upload(new Float32Array([1, 2, 3, 4])), P },
        [1],
      );
      op.read(out);
    });
    expect([...out!]).toEqual([12, 24, 36, 48]);
  });

  it('fails the call, naming the binding, when a declared binding is not bound', async () => {
    await expect(
      ctx.run((op) => {
        const P = op.uniform(packFields(axpy.bindings.P.fields, { n: 4, a: 2 }));
        const x = op.upload(new Float32Array(4));
        op.dispatch(ctx.kernel(axpy), { P, x, out: op.scratch(16) } as never, [1]);
      }),
    ).rejects.toThrow(/kernel "test\/axpy": binding "y" \(@binding\(2\)\) was given no buffer/);
  });

  it('refuses a second kernel with different bindings under the same key', () => {
    const other = kernelSource('test/axpy', { P: uniform('Params', { n: 'u32' }), out: readWrite() }, (d) => d);
    expect(() => ctx.kernel(other)).toThrow(/kernel key "test\/axpy" is used by two kernels with different bindings/);
  });

  it('raised no uncaptured WebGPU error', () => {
    expect(t.uncaptured).toEqual([]);
  });
});
