/**
 * The runner's limits, applied before a job starts: a case is skipped, with the reason printed, when its
 * run would clearly take too long (over twice the limit) at the rates the engine showed on smaller cases,
 * when the engine is known to need more memory than allowed, when the engine already failed on a smaller
 * case of the same family or went over the time limit on one with less work, or (quick runs) when the
 * engine has used its share of the run's time. (A job whose run turns out over the limit stops there.)
 *
 * The ledger computes no FLOPs: the caller passes each case's `caseFlops`, computed once per job.
 */
import type { BenchCase } from './cases.js';
import type { EngineDescriptor } from './engine.js';
import type { Flops } from './flops.js';

/** The limits of a run. */
export interface Limits {
  /**
   * Longest run, in milliseconds: a job whose run is estimated at more than twice this is skipped
   * beforehand; one whose first run takes longer than this is stopped there.
   */
  readonly maxRunMs: number;
  /** Largest known extra memory of one run, in bytes. */
  readonly maxBytes: number;
  /** Wall time each engine may spend on its jobs in this run (quick runs); unlimited when absent. */
  readonly engineBudgetMs?: number;
}

function rateKey(engine: string, c: BenchCase): string {
  if (c.kind === 'encoder') return `${engine}|encoder`;
  // Decoding through a cache reads every entry per step: its rate is its own.
  return c.steps !== undefined ? `${engine}|cache` : `${engine}|attention|${c.mask}`;
}

const fmtS = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const fmtGiB = (b: number): string => `${(b / 2 ** 30).toFixed(1)} GiB`;

/** What the runner learned so far in this run: each engine's best rates, its failures and its time spent. */
export class RunLedger {
  /** Best useful and dense FLOPs per millisecond by engine, case kind and mask. */
  private readonly rates = new Map<string, { useful: number; dense: number }>();
  /** Wall time spent on each engine's jobs. */
  private readonly spent = new Map<string, number>();
  /** Smallest failed length by engine and case family. */
  private readonly failures = new Map<string, number>();
  /** The case with the least work stopped over the time limit, by engine, case kind and mask. */
  private readonly overLimit = new Map<string, { flops: number; id: string }>();

  /** Records a measured median time of a case that does `flops`. */
  recordTime(engine: string, c: BenchCase, flops: Flops, medianMs: number): void {
    const key = rateKey(engine, c);
    const known = this.rates.get(key) ?? { useful: 0, dense: 0 };
    this.rates.set(key, {
      useful: Math.max(known.useful, flops.useful / medianMs),
      dense: Math.max(known.dense, flops.dense / medianMs),
    });
  }

  /** Records the wall time of one of an engine's jobs (start-up included). */
  recordSpent(engine: string, ms: number): void {
    this.spent.set(engine, (this.spent.get(engine) ?? 0) + ms);
  }

  /** Records a failure. */
  recordFailure(engine: string, c: BenchCase): void {
    const key = `${engine}|${c.family}`;
    this.failures.set(key, Math.min(this.failures.get(key) ?? Infinity, c.seq));
  }

  /** Records a job stopped for a run over the limit: cases of that kind with as much work are skipped. */
  recordOverLimit(engine: string, c: BenchCase, flops: Flops): void {
    const key = rateKey(engine, c);
    const known = this.overLimit.get(key);
    if (!known || flops.useful < known.flops) this.overLimit.set(key, { flops: flops.useful, id: c.id });
  }

  /**
   * Estimated milliseconds of one run. From the rates on the same kind of case, the slower of two
   * models: time grows with the visible pairs (an engine that skips masked work) or with all pairs (one
   * that does not). Else, for attention, the unmasked rate over all pairs; else the engine's best rate on
   * any kind of case (e.g. attention for a first encoder case).
   */
  estimateMs(engine: string, c: BenchCase, flops: Flops): { ms: number; gflops: number } | undefined {
    const same = this.rates.get(rateKey(engine, c));
    if (same) {
      const byUseful = flops.useful / same.useful;
      const byDense = flops.dense / same.dense;
      return byDense > byUseful
        ? { ms: byDense, gflops: same.dense / 1e6 }
        : { ms: byUseful, gflops: same.useful / 1e6 };
    }
    if (c.kind === 'attention') {
      const none = this.rates.get(`${engine}|attention|none`);
      if (none) return { ms: flops.dense / none.dense, gflops: none.dense / 1e6 };
    }
    let best = 0;
    for (const [key, rate] of this.rates) if (key.startsWith(`${engine}|`)) best = Math.max(best, rate.useful);
    return best > 0 ? { ms: flops.useful / best, gflops: best / 1e6 } : undefined;
  }

  /** Why the job (engine `d` on case `c`, which does `flops`) should not run, or `undefined`. */
  gate(d: EngineDescriptor, c: BenchCase, flops: Flops, limits: Limits): string | undefined {
    const spent = this.spent.get(d.id) ?? 0;
    if (limits.engineBudgetMs !== undefined && spent >= limits.engineBudgetMs) {
      return `this engine has used its ${fmtS(limits.engineBudgetMs)} of the run (--engine-budget or --full raises it)`;
    }
    const failedAt = this.failures.get(`${d.id}|${c.family}`);
    if (failedAt !== undefined && c.seq > failedAt) return `failed on the shorter S=${failedAt} of this family`;
    const slow = this.overLimit.get(rateKey(d.id, c));
    if (slow && flops.useful >= slow.flops)
      return `already over the time limit on ${slow.id}, which has no more work (--max-run-time or --full raises it)`;
    const bytes = d.estimateBytes?.(c);
    if (bytes !== undefined && bytes > limits.maxBytes) {
      return `needs about ${fmtGiB(bytes)} for its score matrices (limit ${fmtGiB(limits.maxBytes)}; --max-memory raises it)`;
    }
    const est = this.estimateMs(d.id, c, flops);
    if (est && est.ms > 2 * limits.maxRunMs) {
      return `one run would take about ${fmtS(est.ms)} at the ${est.gflops.toPrecision(2)} GFLOP/s seen on smaller cases (limit ${fmtS(limits.maxRunMs)} per run; --max-run-time or --full raises it)`;
    }
    return undefined;
  }
}
