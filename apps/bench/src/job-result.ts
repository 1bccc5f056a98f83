/**
 * From a job's outcome to a result, shared by the command line and the in-browser run: the limits are
 * checked first (a skip records its reason), a measured job gets its statistics and GFLOP/s, and the
 * ledger learns from every outcome. Also assembles the results file.
 */
import { caseFlops, type BenchCase } from './cases.js';
import type { EngineDescriptor, EngineInfo } from './engine.js';
import { gflops } from './flops.js';
import type { Limits, RunLedger } from './gates.js';
import type { JobOutcome } from './job.js';
import { COLD_FACTOR } from './measure.js';
import {
  compareResults,
  DEFINITIONS,
  RESULTS_SCHEMA,
  type BenchResult,
  type EngineEntry,
  type MemoryResult,
  type ResultsFile,
} from './results.js';
import { summarize } from './stats.js';

/** Runs one job unless the limits skip it; `execute` runs it (in a worker, or in this page). */
export async function gatedJob(
  d: EngineDescriptor,
  c: BenchCase,
  ledger: RunLedger,
  limits: Limits,
  execute: () => Promise<{ outcome: JobOutcome; memory?: MemoryResult }>,
  now: () => number = () => performance.now(),
): Promise<{ result: BenchResult; info?: EngineInfo }> {
  const base = { engine: d.id, case: c.id };
  const flops = caseFlops(c);
  const skip = ledger.gate(d, c, flops, limits);
  if (skip) return { result: { ...base, status: 'skipped', reason: skip } };
  const t0 = now();
  const { outcome: o, memory } = await execute();
  ledger.recordSpent(d.id, now() - t0);
  const info = o.info ? { info: o.info } : {};
  if (o.status === 'over-limit') {
    ledger.recordOverLimit(d.id, c, flops);
    const run = o.cold ? 'its first run (compilation included)' : 'a run';
    const took = o.stopped
      ? `${run} was stopped after ${(o.ms / 1000).toFixed(1)} s`
      : `${run} took ${(o.ms / 1000).toFixed(1)} s`;
    const limit = o.cold
      ? `${COLD_FACTOR}× the limit of ${limits.maxRunMs / 1000} s per run`
      : `the limit of ${limits.maxRunMs / 1000} s per run`;
    return {
      result: { ...base, status: 'skipped', reason: `${took}, over ${limit} (--max-run-time or --full raises it)` },
      ...info,
    };
  }
  if (o.status !== 'ok') {
    if (o.status === 'failed') ledger.recordFailure(d.id, c);
    return { result: { ...base, status: o.status, reason: o.reason }, ...info };
  }
  const stats = summarize(o.timesMs);
  ledger.recordTime(d.id, c, flops, stats.median);
  return {
    result: {
      ...base,
      status: 'ok',
      prepareMs: o.prepareMs,
      warmup: { runs: o.warmupMs.length, firstMs: o.warmupMs[0] ?? 0, totalMs: o.warmupMs.reduce((a, b) => a + b, 0) },
      timesMs: o.timesMs,
      stats,
      gflops: { useful: gflops(flops.useful, stats.median), dense: gflops(flops.dense, stats.median) },
      ...(memory ? { memory } : {}),
      ...(o.cutShort ? { cutShort: o.cutShort } : {}),
      sample: o.sample,
    },
    ...info,
  };
}

/** Assembles a results file: ratios and output checks are computed here. */
export function assembleFile(parts: Omit<ResultsFile, 'schema' | 'createdAt' | 'definitions'>): ResultsFile {
  const kinds = new Map(parts.engines.map((e: EngineEntry) => [e.id, e.kind]));
  return {
    schema: RESULTS_SCHEMA,
    createdAt: new Date().toISOString(),
    source: parts.source,
    machine: parts.machine,
    config: parts.config,
    definitions: DEFINITIONS,
    engines: parts.engines,
    cases: parts.cases,
    results: compareResults(parts.results, (id) => kinds.get(id)),
  };
}
