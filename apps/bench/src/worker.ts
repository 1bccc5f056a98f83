/**
 * Worker process: runs one probe or one job for the runner (see `worker-protocol.ts`) and exits.
 * Started by the runner with `--expose-gc`, so the memory baseline is taken after a full collection.
 */
import { performance } from 'node:perf_hooks';
import { nodeCatalog } from './engines/catalog-node.js';
import { handleRequest, type MemoryProbe } from './worker-handler.js';
import { progressGap, throttleProgress } from './progress-throttle.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

const maxRss = (): number => process.resourceUsage().maxRSS * 1024;

const memory: MemoryProbe = {
  before() {
    (globalThis as { gc?: () => void }).gc?.();
    return { baseRss: process.memoryUsage().rss, loadPeakRss: maxRss() };
  },
  peak: maxRss,
};

function send(reply: WorkerReply): Promise<void> {
  return new Promise((resolve, reject) => process.send!(reply, (e: Error | null) => (e ? reject(e) : resolve())));
}

process.once('message', (req: WorkerRequest) => {
  const progress = throttleProgress<'warmup' | 'timed'>(
    (done, phase) => void send({ type: 'progress', done, phase }).catch(() => undefined),
    progressGap(req.type === 'job' ? req.settings.maxRunMs : undefined),
    () => performance.now(),
  );
  const ready = (): void => void send({ type: 'ready' }).catch(() => undefined);
  handleRequest(req, nodeCatalog(), () => performance.now(), progress, memory, ready)
    .then(send)
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
});
