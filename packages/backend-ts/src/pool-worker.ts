/**
 * Worker entry of the attention thread pool (Node worker_threads or a browser module Web Worker).
 */
import { attentionTiled } from './attention-kernel.js';
import { runUnits } from './attention-wasm.js';
import type { JobMessage, InitMessage, WorkerReply } from './pool-protocol.js';
import { instantiateKernels, type WasmKernels } from './wasm-kernels.js';

interface Port {
  postMessage(m: WorkerReply): void;
  on(handler: (m: InitMessage | JobMessage) => void): void;
}

async function port(): Promise<Port> {
  const g = globalThis as unknown as {
    process?: { versions?: { node?: string } };
    postMessage?: (m: unknown) => void;
    addEventListener?: (t: string, h: (e: { data: unknown }) => void) => void;
  };
  if (g.process?.versions?.node) {
    const { parentPort } = await import('node:worker_threads');
    return { postMessage: (m) => parentPort!.postMessage(m), on: (h) => parentPort!.on('message', h) };
  }
  return {
    postMessage: (m) => g.postMessage!(m),
    on: (h) => g.addEventListener!('message', (e) => h(e.data as InitMessage | JobMessage)),
  };
}

const p = await port();
let kernels: WasmKernels | undefined;
p.on((m) => {
  void (async () => {
    if (m.type === 'init') {
      kernels = m.module ? await instantiateKernels(m.module) : undefined;
      p.postMessage({ type: 'ready' });
      return;
    }
    try {
      const next = (): number => Atomics.add(m.counter, 0, 1);
      if (kernels) runUnits(m.problem, kernels, m.out, next);
      else {
        // Without WebAssembly SIMD: whole heads over the threads with the TypeScript kernel.
        const heads = m.problem.batch * m.problem.qHeads;
        for (let u = next(); u < heads; u = next()) attentionTiled(m.problem, m.out, [u, u + 1]);
      }
      p.postMessage({ type: 'done', id: m.id });
    } catch (e) {
      p.postMessage({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
    }
  })();
});
