/**
 * The engines of an in-browser run: the attnkit backends that run in browsers (TypeScript, WebGPU,
 * TensorFlow.js on wasm and cpu), the onnxruntime-web peers (WebAssembly and WebGPU execution providers)
 * and the TensorFlow.js ops peers (wasm, cpu, webgpu, webgl). A backend whose package was not built
 * into the page shows as unavailable with that reason.
 */
import { backends, missing } from 'attnkit:browser-backends';
import type { BackendPlugin } from '@attnkit/core';
import type { EngineDescriptor } from '../engine.js';
import { attnkitDescriptors, ortWebPeerDescriptors, tfjsPeerDescriptors } from '../engines/catalog.js';

function loader(id: 'ts' | 'webgpu' | 'tfjs'): () => Promise<BackendPlugin> {
  return async () => {
    const load = backends[id];
    if (!load) throw new Error(missing[id] ?? `the ${id} backend is not in this page`);
    return (await load()).plugin;
  };
}

/** Every engine of an in-browser run, in table order. */
export function browserCatalog(): EngineDescriptor[] {
  const wasmPaths = new URL('wasm/', location.href).href;
  const attnkit = attnkitDescriptors({
    wasmPaths,
    plugins: { ts: loader('ts'), webgpu: loader('webgpu'), tfjs: loader('tfjs') },
  }).filter((d) => d.id !== 'onnx');
  const ortweb = ortWebPeerDescriptors({
    // backend-ts's default thread count in a page
    threads: navigator.hardwareConcurrency || 1,
    wasmPaths: new URL('ort/', location.href).href,
    webgpu: true,
  });
  return [...attnkit, ...ortweb, ...tfjsPeerDescriptors({ wasmPaths, gpu: true })];
}
