/**
 * Worker process: runs one probe or one job for the runner (see `worker-protocol.ts`) and exits.
 * Started by the runner with `--expose-gc`, so the memory baseline is taken after a full collection.
 */
import { performance } from 'node:perf_hooks';
import { nodeCatalog } from './engines/catalog-node.js';
import { messageOf } from './engine.js';
import { runJob } from './job.js';
import type { WorkerMemory, WorkerReply, WorkerRequest } from './worker-protocol.js';

const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

function send(reply: WorkerReply): Promise<void> {
  return new Promise((resolve, reject) => process.send!(reply, (e: Error | null) => (e ? reject(e) : resolve())));
}

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  const descriptor = nodeCatalog().find((d) => d.id === req.engine);
  if (!descriptor) throw new Error(`unknown engine "${req.engine}"`);
  if (req.type === 'probe') {
    try {
      return { type: 'probe', probe: await (await descriptor.load()).probe() };
    } catch (e) {
      return { type: 'probe', probe: { available: false, reason: `cannot load: ${messageOf(e)}` } };
    }
  }
  const engine = await descriptor.load();
  let memory: Omit<WorkerMemory, 'peakRss'> | undefined;
  const outcome = await runJob(engine, req.case, req.settings, req.seed, () => performance.now(), {
    beforeRuns() {
      (globalThis as { gc?: () => void }).gc?.();
      memory = { baseRss: process.memoryUsage().rss, loadPeakRss: maxRss() };
    },
    onRun(done, phase) {
      void send({ type: 'progress', done, phase }).catch(() => undefined);
    },
  });
  return memory ? { type: 'job', outcome, memory: { ...memory, peakRss: maxRss() } } : { type: 'job', outcome };
}

process.once('message', (req: WorkerRequest) => {
  handle(req)
    .catch((e: unknown): WorkerReply => (req.type === 'probe'
      ? { type: 'probe', probe: { available: false, reason: messageOf(e) } }
      : { type: 'job', outcome: { status: 'failed', reason: messageOf(e) } }))
    .then(send)
    .then(() => process.exit(0), () => process.exit(1));
});
