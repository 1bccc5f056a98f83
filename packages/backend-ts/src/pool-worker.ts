/**
 * Worker entry of the attention thread pool (Node worker_threads or a browser module Web Worker).
 */
import { attentionTiled } from './attention-kernel.js';
import { runJob } from './job.js';
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
let init: InitMessage | undefined;
/** Jobs this worker has received. */
let received = 0;

/**
 * After answering a job: stay awake for `init.watchMs`, until the pool posts this worker another job (it is
 * then already queued, and this worker takes it as soon as this handler returns). A worker that goes to
 * sleep at once takes longer to wake for the next small call than the call lasts.
 */
function watch(): void {
  if (!init || init.watchMs <= 0) return;
  const end = performance.now() + init.watchMs;
  while (Atomics.load(init.posted, init.index) === received && performance.now() < end);
}
p.on((m) => {
  void (async () => {
    if (m.type === 'init') {
      init = m;
      // A failure here is an unhandled rejection: the worker ends, and the pool's start fails with it.
      kernels = m.module && m.memory ? await instantiateKernels(m.module, m.memory) : undefined;
      p.postMessage({ type: 'ready' });
      return;
    }
    received++;
    try {
      const next = (): number => Atomics.add(m.counter, 0, 1);
      const work = m.work;
      if (work.kind === 'memory') {
        if (!kernels) throw new Error('the worker has no kernels for a call on shared memory');
        runJob(
          work.problem,
          work.problem,
          kernels,
          work.scratch,
          { counters: m.counter, sums: work.sums },
          work.squares,
          work.slot,
          work.units,
        );
      } else {
        // Without WebAssembly SIMD: whole heads over the threads with the TypeScript kernel.
        const heads = work.problem.batch * work.problem.qHeads;
        for (let u = next(); u < heads; u = next()) attentionTiled(work.problem, work.out, [u, u + 1]);
      }
      p.postMessage({ type: 'done', id: m.id });
    } catch (e) {
      p.postMessage({ type: 'error', id: m.id, message: e instanceof Error ? e.message : String(e) });
    }
    watch();
  })();
});
