/**
 * Resident tensors and key/value caches in the backend's WebAssembly memory: core's `ResidentStore` over
 * the engine's blocks. Offsets and lengths count float32 elements. Where the memory is shared, `view`
 * hands core a `Float32Array` over a block itself (no copy); it stays valid as the memory grows.
 */
import type { ResidentStore } from '@attnkit/core';
import type { MemoryEngine } from './memory-engine.js';
import type { Block } from './wasm-memory.js';

/** The store of `engine`'s memory. */
export function memoryStore(engine: MemoryEngine): ResidentStore<Block> {
  const arena = engine.arena;
  const store: ResidentStore<Block> = {
    allocate: (elements) => arena.allocate(elements),
    write: (b, at, data) => arena.f32().set(data, b.at + at),
    read: async (b, at, length) => arena.copyOut(b.at + at, length),
    copy: (src, srcAt, dst, dstAt, length) => {
      arena.f32().copyWithin(dst.at + dstAt, src.at + srcAt, src.at + srcAt + length);
    },
    free: (b) => engine.free(b),
  };
  if (arena.shared) return { ...store, view: (b, length) => engine.view(b, length) };
  return store;
}
