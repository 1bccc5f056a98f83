/**
 * One job: one engine on one case. Opens the engine, builds the inputs, prepares the case, runs the timing
 * loop, and returns the timings with a sample of the output (to check that engines agree). Used by the
 * Node worker (one process per job) and by the page's in-browser run alike.
 */
import type { BenchCase } from './cases.js';
import type { Engine, EngineInfo, EngineSession } from './engine.js';
import { messageOf } from './engine.js';
import { makeInputs, sampleOutput } from './inputs.js';
import { measure, type MeasureSettings } from './measure.js';

/** What a job produced. */
export type JobOutcome =
  | {
      readonly status: 'ok';
      readonly info: EngineInfo;
      readonly prepareMs: number;
      readonly warmupMs: number[];
      readonly timesMs: number[];
      readonly cutShort?: string;
      readonly sample: number[];
      readonly outputLength: number;
    }
  | { readonly status: 'unsupported' | 'failed'; readonly reason: string; readonly info?: EngineInfo }
  /**
   * A run broke the per-run limit: its time, and whether it was the first (cold) run. `stopped`: the run
   * was still going after `ms` and its process was ended.
   */
  | {
      readonly status: 'over-limit';
      readonly ms: number;
      readonly cold: boolean;
      readonly stopped?: boolean;
      readonly info?: EngineInfo;
    };

/** Hooks around the timed section (the Node worker reads memory there). */
export interface JobHooks {
  /** Called when inputs and the prepared case exist, just before the first run. */
  beforeRuns?(): void;
  onRun?: (done: number, phase: 'warmup' | 'timed') => void;
}

/** Runs one engine on one case. Never throws: failures come back as `failed` with their reason. */
export async function runJob(
  engine: Engine,
  c: BenchCase,
  settings: MeasureSettings,
  seed: number,
  now: () => number,
  hooks: JobHooks = {},
): Promise<JobOutcome> {
  let session: EngineSession | undefined;
  try {
    session = await engine.open();
  } catch (e) {
    return { status: 'failed', reason: `failed to start: ${messageOf(e)}` };
  }
  const info = session.info;
  try {
    const why = session.unsupported(c);
    if (why) return { status: 'unsupported', reason: why, info };
    const inputs = makeInputs(c, seed);
    const t0 = now();
    const prepared = await session.prepare(c, inputs);
    const prepareMs = now() - t0;
    try {
      hooks.beforeRuns?.();
      const reset = prepared.reset?.bind(prepared);
      const m = await measure(() => prepared.run(), settings, now, hooks.onRun, reset);
      if (m.overLimit) return { status: 'over-limit', ...m.overLimit, info };
      return {
        status: 'ok',
        info,
        prepareMs,
        warmupMs: m.warmupMs,
        timesMs: m.timesMs,
        ...(m.cutShort ? { cutShort: m.cutShort } : {}),
        sample: sampleOutput(m.output),
        outputLength: m.output.length,
      };
    } finally {
      await prepared.dispose();
    }
  } catch (e) {
    return { status: 'failed', reason: messageOf(e), info };
  } finally {
    await session.dispose().catch(() => undefined);
  }
}
