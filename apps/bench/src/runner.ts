/**
 * The run: probe every selected engine, then run each case on each available engine in turn (one worker
 * per job), skip what the limits exclude with the reason, and assemble the results file.
 */
import { caseFlops, type BenchCase } from './cases.js';
import type { EngineDescriptor } from './engine.js';
import { gflops } from './flops.js';
import { RunLedger, type Limits } from './gates.js';
import type { Launcher } from './launcher.js';
import { compareResults, DEFINITIONS, RESULTS_SCHEMA, type BenchResult, type EngineEntry, type MachineInfo, type ResultsFile, type RunConfig } from './results.js';
import { summarize } from './stats.js';

/** What the run reports as it goes. */
export interface RunnerEvents {
  onProbe?(entry: EngineEntry): void;
  /** Before a job (or its skip); `index` counts from 0 over all jobs of available engines. */
  onJobStart?(engine: string, c: BenchCase, index: number, total: number): void;
  onJobProgress?(done: number, phase: 'warmup' | 'timed'): void;
  onJobEnd?(result: BenchResult, c: BenchCase, index: number, total: number): void;
}

/** What to run. */
export interface RunRequest {
  readonly engines: readonly EngineDescriptor[];
  readonly cases: readonly BenchCase[];
  readonly config: RunConfig;
  readonly limits: Limits;
  readonly launch: Launcher;
  readonly describeMachine: (engines: readonly EngineEntry[]) => MachineInfo;
}

/** Runs the benchmark and returns its results file. */
export async function runBenchmark(req: RunRequest, events: RunnerEvents = {}): Promise<ResultsFile> {
  const entries = await Promise.all(req.engines.map(async (d): Promise<EngineEntry> => {
    const reply = await req.launch({ type: 'probe', engine: d.id });
    const probe = reply.type === 'probe' ? reply.probe : { available: false, reason: 'the worker did not answer the probe' };
    const entry: EngineEntry = {
      id: d.id, kind: d.kind, description: d.description, available: probe.available,
      ...(probe.reason !== undefined ? { reason: probe.reason } : {}),
      ...(probe.info ? { info: probe.info } : {}),
    };
    return entry;
  }));
  entries.forEach((e) => events.onProbe?.(e));
  const available = req.engines.filter((d) => entries.find((e) => e.id === d.id)!.available);
  const ledger = new RunLedger();
  const infos = new Map<string, EngineEntry['info']>();
  const results: BenchResult[] = [];
  const total = available.length * req.cases.length;
  let index = 0;
  for (const c of req.cases) {
    for (const d of available) {
      events.onJobStart?.(d.id, c, index, total);
      const result = await runOne(req, ledger, d, c, infos);
      results.push(result);
      events.onJobEnd?.(result, c, index, total);
      index++;
    }
  }
  const kinds = new Map(req.engines.map((d) => [d.id, d.kind]));
  const engines = entries.map((e) => (infos.get(e.id) ? { ...e, info: { ...e.info, ...infos.get(e.id) } } : e));
  return {
    schema: RESULTS_SCHEMA,
    createdAt: new Date().toISOString(),
    source: 'cli',
    machine: req.describeMachine(engines),
    config: req.config,
    definitions: DEFINITIONS,
    engines,
    cases: req.cases,
    results: compareResults(results, (id) => kinds.get(id)),
  };

  async function runOne(r: RunRequest, l: RunLedger, d: EngineDescriptor, c: BenchCase, seen: Map<string, EngineEntry['info']>): Promise<BenchResult> {
    const base = { engine: d.id, case: c.id };
    const skip = l.gate(d, c, r.limits);
    if (skip) return { ...base, status: 'skipped', reason: skip };
    const reply = await r.launch(
      { type: 'job', engine: d.id, case: c, settings: r.config.settings, seed: r.config.seed },
      (done, phase) => events.onJobProgress?.(done, phase),
    );
    if (reply.type !== 'job') return { ...base, status: 'failed', reason: 'the worker gave no job result' };
    const o = reply.outcome;
    if (o.info && !seen.has(d.id)) seen.set(d.id, o.info);
    if (o.status !== 'ok') {
      if (o.status === 'failed') l.recordFailure(d.id, c);
      return { ...base, status: o.status, reason: o.reason };
    }
    const stats = summarize(o.timesMs);
    l.recordTime(d.id, c, stats.median);
    const flops = caseFlops(c);
    return {
      ...base,
      status: 'ok',
      prepareMs: o.prepareMs,
      warmupMs: o.warmupMs,
      timesMs: o.timesMs,
      stats,
      gflops: { useful: gflops(flops.useful, stats.median), dense: gflops(flops.dense, stats.median) },
      ...(reply.memory ? { memory: reply.memory } : {}),
      ...(o.cutShort ? { cutShort: o.cutShort } : {}),
      sample: o.sample,
    };
  }
}
