/**
 * What a default selection never picks over a faster backend: a software or fallback GPU adapter, and a
 * backend that started on its own slow fallback (TensorFlow.js on its cpu backend because its WebAssembly
 * files were not found). The wrapped plugins report such a case as unavailable or failed, with what was
 * found and how to get it anyway; forcing the backend by name uses the plugin itself.
 */
import type { BackendPlugin } from '@attnkit/core';

/** An adapter as the WebGPU plugin's probe describes it. */
interface AdapterLike {
  readonly name?: string;
  readonly vendor?: string;
  readonly architecture?: string;
  readonly fallback?: boolean;
}

/** Names of software rasterisers that implement WebGPU on the CPU. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|warp|basic render|software/i;

/**
 * Why an adapter is a software one, or `undefined` for a hardware adapter: `isFallbackAdapter`, or a
 * software rasteriser's name (SwiftShader reports itself as a normal adapter in some browsers).
 *
 * @example
 * ```ts
 * softwareAdapter({ name: 'SwiftShader Device (Subzero)', fallback: false }); // 'a software adapter (SwiftShader Device (Subzero))'
 * ```
 */
export function softwareAdapter(a: AdapterLike | undefined): string | undefined {
  if (!a) return undefined;
  if (a.fallback) return `a fallback adapter (${a.name ?? 'unnamed'})`;
  const text = [a.name, a.vendor, a.architecture].filter(Boolean).join(' ');
  return SOFTWARE.test(text) ? `a software adapter (${a.name ?? text})` : undefined;
}

/** WebGPU that counts only on a hardware adapter: a software one is reported unavailable. */
export function hardwareWebgpu(webgpu: BackendPlugin): BackendPlugin {
  return {
    name: webgpu.name,
    ...(webgpu.capabilities ? { capabilities: webgpu.capabilities } : {}),
    async probe() {
      const r = (await webgpu.probe()) as { available: boolean; reason?: string; adapter?: AdapterLike };
      const software = r.available ? softwareAdapter(r.adapter) : undefined;
      if (software !== undefined) {
        return {
          available: false,
          reason: `only ${software}: ${r.reason ?? ''}; the CPU backends are faster than a software GPU (force "webgpu" to use it anyway)`,
        };
      }
      return r;
    },
    create: (options) => webgpu.create(options as never),
  };
}

/**
 * TensorFlow.js that counts only on the engine it was asked for: when it starts on its cpu fallback
 * (`info.fallback`, e.g. its `.wasm` files got a 404 in a bundle), that backend is disposed and the
 * plugin reported failed, so the TypeScript backend (about a hundred times faster than tfjs-cpu) runs.
 * Asking for cpu explicitly (`createOptions.tfjs.backend`) is honoured.
 */
export function noSlowFallback(tfjs: BackendPlugin): BackendPlugin {
  return {
    name: tfjs.name,
    ...(tfjs.capabilities ? { capabilities: tfjs.capabilities } : {}),
    probe: () => tfjs.probe(),
    async create(options) {
      const backend = await tfjs.create(options as never);
      const fallback = backend.info.fallback;
      if (fallback !== undefined && (options as { backend?: string } | undefined)?.backend === undefined) {
        await backend.dispose().catch(() => undefined);
        throw new Error(
          `TensorFlow.js fell back to its ${String(backend.info.tfjsBackend)} backend (${String(fallback)}), far slower than the other backends; serve its .wasm files and pass createOptions.tfjs.wasmPaths, or force "tfjs" to use it anyway`,
        );
      }
      return backend;
    },
  };
}
