/**
 * The timing loop: warm-up runs (at least `warmup` of them, at least `warmupMs` of them, and until the
 * times stop dropping: `settleRuns` runs in a row none of them 10% faster than the fastest before, so that
 * JIT compilers have reached their top tier, which for JavaScript kernels takes a dozen calls), then timed runs until there are at least `minRuns` and
 * `minTimeMs` has passed (at most `maxRuns`), stopping early once `maxTimeMs` is spent so one slow case
 * cannot hold up the run; a run over `maxRunMs` ends the loop at once. Each run is timed on its own,
 * from the call to its resolved output; `before`, when given, runs ahead of each run, untimed (a decode
 * case refills its cache there).
 */

/** Settings of the timing loop. */
export interface MeasureSettings {
  /** Untimed runs first (compilation, caches, lazy initialisation). */
  readonly warmup: number;
  /** Keep warming up until the warm-up runs add up to this. */
  readonly warmupMs: number;
  /** Stop warming up once the warm-up runs add up to this, settled or not (default: half of `maxTimeMs`). */
  readonly maxWarmupMs?: number;
  /** Keep warming up until this many runs in a row were not 10% faster than the fastest before (default 0). */
  readonly settleRuns?: number;
  readonly minRuns: number;
  readonly maxRuns: number;
  /** Keep running (up to `maxRuns`) until the timed runs add up to this. */
  readonly minTimeMs: number;
  /** Stop after this much time in timed runs, even below `minRuns` (at least one run is always timed). */
  readonly maxTimeMs: number;
  /**
   * The case is too slow for this run when a warm run takes longer than this, or the first (cold) run
   * longer than {@link COLD_FACTOR} times this (it includes compilation): the loop stops there.
   */
  readonly maxRunMs?: number;
}

/** A warm-up run at least this fraction of the fastest before it counts as settled. */
const SETTLED = 0.9;

/** How much longer than `maxRunMs` the first run may take (shader and JIT compilation, caches). */
export const COLD_FACTOR = 3;

/** What the loop measured. */
export interface Measurement {
  /** Milliseconds of each warm-up run. */
  readonly warmupMs: number[];
  /** Milliseconds of each timed run. */
  readonly timesMs: number[];
  /** Why the loop stopped before `minRuns`, if it did. */
  readonly cutShort?: string;
  /** The output of the last run. */
  readonly output: Float32Array;
  /** Set when a run broke the per-run limit (see {@link MeasureSettings.maxRunMs}); nothing was timed. */
  readonly overLimit?: { readonly ms: number; readonly cold: boolean };
}

/**
 * Runs `run` under the timing loop. `now` is a millisecond clock (`performance.now`); `onRun` is told of
 * each finished run (for progress); `before` runs ahead of every run, outside its time.
 */
export async function measure(
  run: () => Promise<Float32Array>,
  s: MeasureSettings,
  now: () => number,
  onRun?: (done: number, phase: 'warmup' | 'timed') => void,
  before?: () => Promise<void>,
): Promise<Measurement> {
  const warmupMs: number[] = [];
  const timesMs: number[] = [];
  let output: Float32Array | undefined;
  let runs = 0;
  /** Runs once; returns its time, or `undefined` when it breaks the per-run limit. */
  const once = async (): Promise<number | undefined> => {
    await before?.();
    const t0 = now();
    output = await run();
    const ms = now() - t0;
    runs++;
    if (s.maxRunMs !== undefined && ms > (runs === 1 ? COLD_FACTOR * s.maxRunMs : s.maxRunMs)) {
      overLimit = { ms, cold: runs === 1 };
      return undefined;
    }
    return ms;
  };
  let overLimit: { ms: number; cold: boolean } | undefined;
  let warm = 0;
  let best = Infinity;
  let settled = 0;
  const settleRuns = s.settleRuns ?? 0;
  for (let i = 0; i < s.warmup || warm < s.warmupMs || settled < settleRuns; i++) {
    if (warm > (s.maxWarmupMs ?? s.maxTimeMs / 2)) break;
    const ms = await once();
    if (ms === undefined) return { warmupMs, timesMs, output: output!, overLimit: overLimit! };
    warmupMs.push(ms);
    warm += ms;
    settled = ms < SETTLED * best ? 0 : settled + 1;
    best = Math.min(best, ms);
    onRun?.(i + 1, 'warmup');
  }
  let spent = 0;
  let cutShort: string | undefined;
  while (timesMs.length < s.maxRuns) {
    if (timesMs.length >= s.minRuns && spent >= s.minTimeMs) break;
    if (timesMs.length >= 1 && spent >= s.maxTimeMs) {
      if (timesMs.length < s.minRuns)
        cutShort = `stopped after ${timesMs.length} of ${s.minRuns} runs: ${Math.round(spent)} ms spent (limit ${s.maxTimeMs} ms)`;
      break;
    }
    const ms = await once();
    if (ms === undefined) return { warmupMs, timesMs: [], output: output!, overLimit: overLimit! };
    timesMs.push(ms);
    spent += ms;
    onRun?.(timesMs.length, 'timed');
  }
  return { warmupMs, timesMs, output: output!, ...(cutShort ? { cutShort } : {}) };
}
