/**
 * Messages between the runner and its worker processes. Each worker does one request and exits, so the
 * peak resident memory it reports belongs to that request alone.
 */
import type { BenchCase } from './cases.js';
import type { EngineProbe } from './engine.js';
import type { JobOutcome } from './job.js';
import type { MeasureSettings } from './measure.js';

/** What the runner asks a worker. */
export type WorkerRequest =
  | { readonly type: 'probe'; readonly engine: string }
  | {
      readonly type: 'job';
      readonly engine: string;
      readonly case: BenchCase;
      readonly settings: MeasureSettings;
      readonly seed: number;
    };

/**
 * Resident memory of a worker, in bytes. `peakRss` is the process's high-water mark (`maxRSS`) at the end;
 * `baseRss` the resident size just before the first run (engine loaded, inputs built, case prepared,
 * after a garbage collection); `loadPeakRss` the high-water mark at that moment.
 */
export interface WorkerMemory {
  readonly peakRss: number;
  readonly baseRss: number;
  readonly loadPeakRss: number;
}

/** What a worker answers. */
export type WorkerReply =
  | { readonly type: 'probe'; readonly probe: EngineProbe }
  | { readonly type: 'progress'; readonly done: number; readonly phase: 'warmup' | 'timed' }
  /** The case is prepared; the first run starts now. */
  | { readonly type: 'ready' }
  | { readonly type: 'job'; readonly outcome: JobOutcome; readonly memory?: WorkerMemory };
