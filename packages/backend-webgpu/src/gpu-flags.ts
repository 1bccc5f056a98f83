/**
 * WebGPU flag values, spelled out: `GPUBufferUsage` and `GPUMapMode` are globals in browsers but not in
 * every Node binding, so the kernels never rely on them.
 */

/** `GPUBufferUsage` bits. */
export const BufferUsage = {
  MAP_READ: 0x0001,
  MAP_WRITE: 0x0002,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_READ = 0x0001;
