/**
 * From command-line options to what runs: the engines, the cases, the timing settings and the limits.
 */
import { buildMatrix, type BenchCase } from './cases.js';
import type { EngineDescriptor } from './engine.js';
import { parseList, selectCases, selectEngines } from './filters.js';
import type { Limits } from './gates.js';
import type { MeasureSettings } from './measure.js';
import type { RunConfig } from './results.js';
import type { ModelSpec } from '@attnkit/core';

/** Options of a run, as parsed from the command line. */
export interface RunOptions {
  readonly full?: boolean;
  readonly backend?: string | string[];
  readonly case?: string | string[];
  readonly peers?: boolean;
  readonly seq?: string | number | (string | number)[];
  readonly window?: number;
  readonly seed?: number;
  /** Seconds. */
  readonly maxRunTime?: number;
  /** GiB. */
  readonly maxMemory?: number;
  /** Seconds each engine may spend (0: no limit). */
  readonly engineBudget?: number;
  readonly runs?: number;
  readonly warmup?: number;
}

/**
 * Timing settings of each mode. Quick mode warms up for at least 750 ms because ONNX Runtime, in the
 * fresh process each job gets, runs its first half second of calls at about half speed (see the README).
 */
export const SETTINGS: Record<'quick' | 'full', MeasureSettings & { maxRunMs: number; engineBudgetMs?: number }> = {
  quick: {
    warmup: 1,
    warmupMs: 750,
    maxWarmupMs: 1000,
    settleRuns: 3,
    minRuns: 3,
    maxRuns: 10,
    minTimeMs: 200,
    maxTimeMs: 3000,
    maxRunMs: 2000,
    engineBudgetMs: 15000,
  },
  full: {
    warmup: 2,
    warmupMs: 1000,
    maxWarmupMs: 30000,
    settleRuns: 5,
    minRuns: 5,
    maxRuns: 30,
    minTimeMs: 2000,
    maxTimeMs: 60000,
    maxRunMs: 60000,
  },
};

/** Everything a run needs. */
export interface RunPlan {
  readonly engines: EngineDescriptor[];
  readonly cases: BenchCase[];
  readonly config: RunConfig;
  readonly limits: Limits;
}

function positiveInts(value: RunOptions['seq'], name: string): number[] | undefined {
  if (value === undefined) return undefined;
  const list = parseList((Array.isArray(value) ? value : [value]).map(String));
  const nums = list.map(Number);
  const bad = list.find((_, i) => !Number.isInteger(nums[i]) || nums[i]! < 1);
  if (bad !== undefined) throw new Error(`${name}: "${bad}" is not a positive integer`);
  return nums;
}

/** Builds the plan of a run from options, the engine catalog and the encoder spec. */
export function planRun(
  options: RunOptions,
  catalog: readonly EngineDescriptor[],
  encoder: { spec: ModelSpec; source: string },
  argv: readonly string[],
  totalMemoryBytes: number,
): RunPlan {
  const mode = options.full ? 'full' : 'quick';
  const base = SETTINGS[mode];
  const window = options.window ?? 128;
  if (!Number.isInteger(window) || window < 0)
    throw new Error(`--window: expected an integer >= 0, got ${options.window}`);
  const seq = positiveInts(options.seq, '--seq');
  const backendFilter = parseList(options.backend);
  const caseFilter = parseList(options.case);
  const peers = options.peers !== false;
  const engines = selectEngines(catalog, backendFilter, peers);
  const cases = selectCases(
    buildMatrix({ full: mode === 'full', window, encoder, ...(seq ? { seq } : {}) }),
    caseFilter,
  );
  const maxRunMs = options.maxRunTime !== undefined ? options.maxRunTime * 1000 : base.maxRunMs;
  const settings: MeasureSettings = {
    warmup: options.warmup ?? base.warmup,
    warmupMs: options.warmup !== undefined ? 0 : base.warmupMs,
    settleRuns: options.warmup !== undefined ? 0 : base.settleRuns,
    maxWarmupMs: base.maxWarmupMs,
    minRuns: options.runs ?? base.minRuns,
    maxRuns: Math.max(options.runs ?? 0, base.maxRuns),
    minTimeMs: base.minTimeMs,
    maxTimeMs: base.maxTimeMs,
    maxRunMs,
  };
  const engineBudgetMs = options.engineBudget !== undefined ? options.engineBudget * 1000 : base.engineBudgetMs;
  const maxBytes =
    options.maxMemory !== undefined
      ? options.maxMemory * 2 ** 30
      : Math.min(mode === 'full' ? 8 * 2 ** 30 : 4 * 2 ** 30, totalMemoryBytes / 3);
  return {
    engines,
    cases,
    limits: { maxRunMs, maxBytes, ...(engineBudgetMs ? { engineBudgetMs } : {}) },
    config: {
      mode,
      argv,
      backendFilter,
      caseFilter,
      peers,
      settings,
      maxRunMs,
      maxBytes,
      ...(engineBudgetMs ? { engineBudgetMs } : {}),
      seed: options.seed ?? 1,
      window,
      encoderSpecSource: encoder.source,
    },
  };
}
