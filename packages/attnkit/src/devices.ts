/**
 * What each backend runs on, read from a started backend's `info`, for `select({ device })`.
 */
import type { Backend } from '@attnkit/core';
import type { Device } from './select.js';

/** ts: WebAssembly SIMD kernels when the engine has them, plain TypeScript otherwise. */
export function tsRunsOn(info: Backend['info']): readonly Device[] {
  return String(info.engine ?? '').includes('WebAssembly') ? ['cpu', 'wasm'] : ['cpu'];
}

/** tfjs: its `wasm` backend, or its `cpu` (plain JavaScript) backend. */
export function tfjsRunsOn(info: Backend['info']): readonly Device[] {
  return info.tfjsBackend === 'wasm' ? ['cpu', 'wasm'] : ['cpu'];
}

/** webgpu: a GPU only on a hardware adapter; a fallback (software) adapter computes on the CPU. */
export function webgpuRunsOn(info: Backend['info']): readonly Device[] {
  return info.fallbackAdapter === true ? ['cpu'] : ['gpu'];
}
