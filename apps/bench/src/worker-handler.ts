/**
 * What a worker does with one request, apart from the process around it (so tests can run it in process).
 */
import type { EngineDescriptor } from './engine.js';
import { messageOf } from './engine.js';
import { runJob } from './job.js';
import type { WorkerMemory, WorkerReply, WorkerRequest } from './worker-protocol.js';

/** Memory readings of the current process (Node), for jobs run in their own process. */
export interface MemoryProbe {
  /** Collects garbage (when exposed) and returns `{ baseRss, loadPeakRss }`. */
  before(): Omit<WorkerMemory, 'peakRss'>;
  /** The high-water mark now. */
  peak(): number;
}

/** Answers one request with the engines of `catalog`. */
export async function handleRequest(
  req: WorkerRequest,
  catalog: readonly EngineDescriptor[],
  now: () => number,
  onProgress?: (done: number, phase: 'warmup' | 'timed') => void,
  memoryProbe?: MemoryProbe,
  onReady?: () => void,
): Promise<WorkerReply> {
  const descriptor = catalog.find((d) => d.id === req.engine);
  if (req.type === 'probe') {
    if (!descriptor) return { type: 'probe', probe: { available: false, reason: `unknown engine "${req.engine}"` } };
    try {
      return { type: 'probe', probe: await (await descriptor.load()).probe() };
    } catch (e) {
      return { type: 'probe', probe: { available: false, reason: `cannot load: ${messageOf(e)}` } };
    }
  }
  if (!descriptor) return { type: 'job', outcome: { status: 'failed', reason: `unknown engine "${req.engine}"` } };
  let memory: Omit<WorkerMemory, 'peakRss'> | undefined;
  try {
    const engine = await descriptor.load();
    const outcome = await runJob(engine, req.case, req.settings, req.seed, now, {
      beforeRuns() {
        memory = memoryProbe?.before();
        onReady?.();
      },
      ...(onProgress ? { onRun: onProgress } : {}),
    });
    return memory && memoryProbe
      ? { type: 'job', outcome, memory: { ...memory, peakRss: memoryProbe.peak() } }
      : { type: 'job', outcome };
  } catch (e) {
    return { type: 'job', outcome: { status: 'failed', reason: `cannot load: ${messageOf(e)}` } };
  }
}
