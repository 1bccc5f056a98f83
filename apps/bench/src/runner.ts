/**
 * The run: probe every selected engine, then run each case on each available engine in turn (one worker
 * per job), skip what the limits exclude with the reason, and assemble the results file.
 */
import type { BenchCase } from './cases.js';
import type { EngineDescriptor, EngineInfo } from './engine.js';
import { RunLedger, type Limits } from './gates.js';
import { assembleFile, gatedJob } from './job-result.js';
import type { Launcher } from './launcher.js';
import type { BenchResult, EngineEntry, MachineInfo, ResultsFile, RunConfig } from './results.js';

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
  const entries = await Promise.all(
    req.engines.map(async (d): Promise<EngineEntry> => {
      const reply = await req.launch({ type: 'probe', engine: d.id });
      const probe =
        reply.type === 'probe' ? reply.probe : { available: false, reason: 'the worker did not answer the probe' };
      const entry: EngineEntry = {
        id: d.id,
        kind: d.kind,
        description: d.description,
        available: probe.available,
        ...(probe.reason !== undefined ? { reason: probe.reason } : {}),
        ...(probe.info ? { info: probe.info } : {}),
      };
      return entry;
    }),
  );
  entries.forEach((e) => events.onProbe?.(e));
  const available = req.engines.filter((d) => entries.find((e) => e.id === d.id)!.available);
  const ledger = new RunLedger();
  const infos = new Map<string, EngineInfo>();
  const results: BenchResult[] = [];
  const total = available.length * req.cases.length;
  let index = 0;
  for (const c of req.cases) {
    for (const d of available) {
      events.onJobStart?.(d.id, c, index, total);
      const { result, info } = await gatedJob(d, c, ledger, req.limits, async () => {
        const reply = await req.launch(
          { type: 'job', engine: d.id, case: c, settings: req.config.settings, seed: req.config.seed },
          (done, phase) => events.onJobProgress?.(done, phase),
        );
        if (reply.type !== 'job') return { outcome: { status: 'failed', reason: 'the worker gave no job result' } };
        return reply.memory ? { outcome: reply.outcome, memory: reply.memory } : { outcome: reply.outcome };
      });
      if (info && !infos.has(d.id)) infos.set(d.id, info);
      results.push(result);
      events.onJobEnd?.(result, c, index, total);
      index++;
    }
  }
  const engines = entries.map((e) => (infos.has(e.id) ? { ...e, info: { ...e.info, ...infos.get(e.id) } } : e));
  return assembleFile({
    source: 'cli',
    machine: req.describeMachine(engines),
    config: req.config,
    engines,
    cases: req.cases,
    results,
  });
}
