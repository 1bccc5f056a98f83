import type { CompiledModel, ResolvedSpec } from '@attnkit/core';
import type { GpuContext } from './gpu-context.js';
export async function compileModel(_ctx: GpuContext, _spec: ResolvedSpec, _w: ReadonlyMap<string, Float32Array>, _o: unknown): Promise<CompiledModel> {
  throw new Error('todo');
}
