/**
 * The results file: what one run measured, on which machine, with which configuration. Written by the CLI
 * (`--json FILE`) and by the page's in-browser run; read by the dashboard.
 */
import type { BenchCase } from './cases.js';
import type { EngineInfo } from './engine.js';
import type { MeasureSettings } from './measure.js';
import type { Summary } from './stats.js';

/** The schema tag of this format. */
export const RESULTS_SCHEMA = 'attnkit-bench/1';

/** The machine a run measured. */
export interface MachineInfo {
  readonly platform: string;
  readonly arch: string;
  /** Operating system name and release. */
  readonly os: string;
  readonly cpu: string;
  /** Logical cores available to the process. */
  readonly cores: number;
  readonly memoryBytes: number;
  /** Node.js version, or `null` in a browser. */
  readonly node: string | null;
  /** The browser, for in-browser runs. */
  readonly userAgent?: string;
  /** WebGPU adapters found (empty when none). */
  readonly adapters: readonly string[];
  /** Node options the job processes started with besides `--expose-gc` (absent when none). */
  readonly nodeFlags?: readonly string[];
}

/** The exact configuration of a run. */
export interface RunConfig {
  readonly mode: 'quick' | 'full' | 'browser';
  /** The command line, as typed after the program name. */
  readonly argv: readonly string[];
  readonly backendFilter: readonly string[];
  readonly caseFilter: readonly string[];
  readonly peers: boolean;
  readonly settings: MeasureSettings;
  /** Cases whose estimated run time exceeds this are skipped (with the estimate as reason). */
  readonly maxRunMs: number;
  /** Cases whose known extra memory exceeds this are skipped. */
  readonly maxBytes: number;
  /** Wall time each engine may spend in a quick run (absent: no such limit). */
  readonly engineBudgetMs?: number;
  readonly seed: number;
  readonly window: number;
  readonly encoderSpecSource: string;
}

/** One engine of the run. */
export interface EngineEntry {
  readonly id: string;
  readonly kind: 'attnkit' | 'peer';
  readonly description: string;
  readonly available: boolean;
  /** Why it is unavailable, or what its probe found. */
  readonly reason?: string;
  readonly info?: EngineInfo;
}

/** Memory of one job, in bytes (see the README: resident memory of the job's own process). */
export interface MemoryResult {
  readonly peakRss: number;
  readonly baseRss: number;
  readonly loadPeakRss: number;
}

/** One engine on one case. */
export interface BenchResult {
  readonly engine: string;
  readonly case: string;
  /** `skipped`: not run by the runner's limits; `unsupported`: the engine cannot express the case. */
  readonly status: 'ok' | 'skipped' | 'unsupported' | 'failed';
  readonly reason?: string;
  readonly prepareMs?: number;
  /** The warm-up: how many runs, the first (cold) run's time and the total, in ms. */
  readonly warmup?: { readonly runs: number; readonly firstMs: number; readonly totalMs: number };
  readonly timesMs?: readonly number[];
  /** Of `timesMs`. */
  readonly stats?: Summary;
  /** From the median time: useful (visible pairs) and dense-equivalent GFLOP/s. */
  readonly gflops?: { readonly useful: number; readonly dense: number };
  readonly memory?: MemoryResult;
  /** Median time over the fastest peer's median time in this case (lower is better; 1 = as fast). */
  readonly ratio?: number;
  /** Agreement of the output with the reference output of the case (sampled values; see `pickReference`). */
  readonly check?: { readonly reference: string; readonly maxAbsDiff: number; readonly ok: boolean };
  readonly cutShort?: string;
  /** Output samples (kept for the check; small). */
  readonly sample?: readonly number[];
}

/** A results file. */
export interface ResultsFile {
  readonly schema: typeof RESULTS_SCHEMA;
  readonly createdAt: string;
  readonly source: 'cli' | 'browser';
  readonly machine: MachineInfo;
  readonly config: RunConfig;
  /** How the figures are defined (text, for readers of the file). */
  readonly definitions: Readonly<Record<'gflops' | 'memory' | 'ratio' | 'time', string>>;
  readonly engines: readonly EngineEntry[];
  readonly cases: readonly BenchCase[];
  readonly results: readonly BenchResult[];
}

/** The definitions written into every results file. */
export const DEFINITIONS: ResultsFile['definitions'] = {
  time: 'Wall time of one call, from the call to its output as a Float32Array (uploads and read-backs included), after warm-up; median of the timed runs, spread as the interquartile range.',
  gflops:
    'Attention: 2·B·H·(Dk+Dv) FLOPs per (query, key) pair; useful GFLOP/s counts only the pairs the mask lets through, dense GFLOP/s counts all Sq·Sk pairs. Encoder: the linear layers (2 FLOPs per multiply-add) plus its attention, counted the same way. Softmax, norms and activations are not counted.',
  memory:
    "Each job runs in its own process: peakRss is that process's resident-memory high-water mark (maxRSS), baseRss its resident size just before the first run (engine loaded, inputs built, case prepared, after garbage collection); peakRss − baseRss is what the runs added. Not measured in browsers.",
  ratio:
    'Median time over the median time of the fastest peer (onnxruntime-node or TensorFlow.js called directly) on the same case in the same run: below 1 is faster than every peer.',
};

/**
 * The results file as JSON text: indented, with arrays of numbers kept on one line.
 */
export function stringifyResults(file: ResultsFile): string {
  return `${JSON.stringify(file, null, 1).replace(/\[\s*(-?[\d.e+-]+(?:,\s*-?[\d.e+-]+)*)\s*\]/g, (_, inner: string) => `[${inner.replace(/\s+/g, '')}]`)}\n`;
}

/** Tolerance of the output check: `|x - ref| <= atol + rtol·|ref|`. */
export const CHECK_TOLERANCE = { atol: 2e-3, rtol: 2e-3 } as const;

/** How far `a` is from the reference `ref`, and whether it is within {@link CHECK_TOLERANCE}. */
export function agreement(a: readonly number[], ref: readonly number[]): { maxAbsDiff: number; ok: boolean } {
  let maxAbsDiff = 0;
  let ok = a.length === ref.length;
  a.forEach((x, i) => {
    const r = ref[i]!;
    const diff = Math.abs(x - r);
    if (!(diff <= CHECK_TOLERANCE.atol + CHECK_TOLERANCE.rtol * Math.abs(r))) ok = false;
    if (!Number.isNaN(diff)) maxAbsDiff = Math.max(maxAbsDiff, diff);
  });
  return { maxAbsDiff, ok };
}

/**
 * The reference output of a case: the one most other engines agree with (the consensus), preferring `ts`,
 * then the first, on a tie. A single wrong engine is then the one flagged, whichever it is.
 */
export function pickReference<R extends { engine: string; sample?: readonly number[] }>(
  results: readonly R[],
): R | undefined {
  const withSample = results.filter((r) => r.sample);
  let best: R | undefined;
  let bestVotes = -1;
  for (const r of withSample) {
    const votes = withSample.filter((o) => o !== r && agreement(o.sample!, r.sample!).ok).length;
    if (votes > bestVotes || (votes === bestVotes && r.engine === 'ts')) {
      best = r;
      bestVotes = votes;
    }
  }
  return best;
}

/**
 * Fills in each case's ratios to the fastest peer and the output checks against the reference output
 * (see {@link pickReference}).
 */
export function compareResults(
  results: readonly BenchResult[],
  kindOf: (engine: string) => 'attnkit' | 'peer' | undefined,
): BenchResult[] {
  const byCase = new Map<string, BenchResult[]>();
  for (const r of results) byCase.set(r.case, [...(byCase.get(r.case) ?? []), r]);
  const out = new Map<BenchResult, BenchResult>();
  for (const group of byCase.values()) {
    const ok = group.filter((r) => r.status === 'ok' && r.stats);
    const peerTimes = ok.filter((r) => kindOf(r.engine) === 'peer').map((r) => r.stats!.median);
    const fastestPeer = peerTimes.length > 0 ? Math.min(...peerTimes) : undefined;
    const reference = pickReference(ok);
    for (const r of group) {
      let next: BenchResult = r;
      if (r.status === 'ok' && r.stats && fastestPeer !== undefined)
        next = { ...next, ratio: r.stats.median / fastestPeer };
      if (r.status === 'ok' && r.sample && reference?.sample && r !== reference) {
        next = { ...next, check: { reference: reference.engine, ...agreement(r.sample, reference.sample) } };
      }
      out.set(r, next);
    }
  }
  return results.map((r) => out.get(r)!);
}
