import { describe, expect, it } from 'vitest';
import { suiteContext } from './test-support.js';
import { kernelSource, readWrite, uniform } from './wgsl-bindings.js';

const copy = kernelSource(
  'test/copy',
  { P: uniform('Params', { n: 'u32' }), y: readWrite() },
  (decls) => `${decls}
@compute @workgroup_size(1) fn main() { y[0] = f32(P.n); }`,
);
const fill = kernelSource(
  'test/fill',
  { P: uniform('Params', { n: 'u32' }), y: readWrite() },
  (decls) => `${decls}
@compute @workgroup_size(4) fn main(@builtin(local_invocation_index) i: u32) { y[i] = f32(P.n + i); }`,
);

describe('every submission runs inside validation and out-of-memory error scopes', async () => {
  const { t, ctx } = await suiteContext();

  it('a validation error in a submission fails the call with the error message', async () => {
    await expect(
      ctx.run((op) => {
        // A uniform buffer bound where the kernel expects storage: invalid bind group.
        const u = op.uniform(new ArrayBuffer(16));
        op.dispatch(ctx.kernel(copy), { P: u, y: u }, [1]);
      }),
    ).rejects.toThrow(/WebGPU validation error/);
  });

  it('a valid submission passes and reads back', async () => {
    const [y] = await ctx.run((op) => {
      const y = op.scratch(16);
      op.dispatch(ctx.kernel(fill), { P: op.uniform(new Uint32Array([7, 0, 0, 0]).buffer), y }, [1]);
      op.read(y);
    });
    expect([...y!]).toEqual([7, 8, 9, 10]);
  });

  it('an error in commands sent outside a submission fails the next call, which says so; later calls work', async () => {
    const a = ctx.pool.acquire(16, 0x4 | 0x8);
    const b = ctx.pool.acquire(16, 0x4 | 0x8);
    // A copy past the end of its source, recorded as the resident store records copies, then sent alone.
    ctx.pendingEncoder().encoder.copyBufferToBuffer(a, 0, b, 0, a.size + 16);
    ctx.flush();
    await expect(ctx.run(() => undefined)).rejects.toThrow(/an earlier operation on a resident tensor failed/);
    await expect(ctx.run(() => undefined)).resolves.toEqual([]);
    ctx.pool.release(a);
    ctx.pool.release(b);
  });

  it('nothing escaped the error scopes', () => {
    expect(t.uncaptured).toEqual([]);
  });
});
