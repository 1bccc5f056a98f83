/**
 * From loaded results files to chart series: one line per (file, engine) over sequence length, for one
 * case family and one metric. No DOM here, so it is tested in Node.
 */
import type { BenchCase } from '../cases.js';
import type { BenchResult, ResultsFile } from '../results.js';

/** A results file loaded into the page. */
export interface LoadedRun {
  /** Unique within the page. */
  readonly id: number;
  /** Its file name, or `this browser` for a live run. */
  readonly label: string;
  readonly file: ResultsFile;
}

/** What the charts show. */
export type Metric = 'time' | 'gflops' | 'ratio' | 'memory';

/** Axis titles of each metric. */
export const METRIC_TITLES: Record<Metric, string> = {
  time: 'median time per run (ms)',
  gflops: 'useful GFLOP/s',
  ratio: 'time ÷ fastest peer’s time',
  memory: 'peak RSS added by the runs (MiB)',
};

/** The value a result contributes to a metric, or `undefined`. */
export function metricValue(r: BenchResult, metric: Metric): number | undefined {
  if (r.status !== 'ok' || !r.stats) return undefined;
  switch (metric) {
    case 'time': return r.stats.median;
    case 'gflops': return r.gflops?.useful;
    case 'ratio': return r.ratio;
    case 'memory': return r.memory ? Math.max(0, r.memory.peakRss - r.memory.baseRss) / 2 ** 20 : undefined;
  }
}

/** One line of a chart. */
export interface Series {
  readonly key: string;
  readonly runId: number;
  readonly engine: string;
  readonly kind: 'attnkit' | 'peer';
  readonly label: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** `attention/causal/B1-H8-D64` → `attention, causal, B1 H8 D64`. */
export function familyLabel(family: string): string {
  return family.split('/').map((p) => p.replace(/-/g, ' ').replace(/^window(\d+)$/, 'window ±$1')).join(', ');
}

/** Unmasked attention first, then causal, window, the encoder. */
function rank(family: string): number {
  const order = ['attention/none/', 'attention/causal/', 'attention/window', 'encoder/'];
  const i = order.findIndex((p) => family.startsWith(p));
  return i < 0 ? order.length : i;
}

/** The case families of the loaded runs with their number of lengths, most lengths first (unmasked first on a tie). */
export function familiesOf(runs: readonly LoadedRun[]): { family: string; label: string; lengths: number }[] {
  const lengths = new Map<string, Set<number>>();
  for (const run of runs) for (const c of run.file.cases) {
    if (!lengths.has(c.family)) lengths.set(c.family, new Set());
    lengths.get(c.family)!.add(c.seq);
  }
  return [...lengths.entries()]
    .map(([family, s]) => ({ family, label: familyLabel(family), lengths: s.size }))
    .sort((a, b) => b.lengths - a.lengths || rank(a.family) - rank(b.family) || a.family.localeCompare(b.family));
}

/** The series of one family and metric across runs; a run's label is added when several runs are loaded. */
export function buildSeries(runs: readonly LoadedRun[], family: string, metric: Metric): Series[] {
  const out: Series[] = [];
  for (const run of runs) {
    const cases = new Map<string, BenchCase>(run.file.cases.filter((c) => c.family === family).map((c) => [c.id, c]));
    for (const e of run.file.engines) {
      const points = run.file.results
        .filter((r) => r.engine === e.id && cases.has(r.case))
        .map((r) => ({ x: cases.get(r.case)!.seq, y: metricValue(r, metric) }))
        .filter((p): p is { x: number; y: number } => p.y !== undefined && Number.isFinite(p.y) && (metric === 'memory' || p.y > 0))
        .sort((a, b) => a.x - b.x);
      if (points.length === 0) continue;
      out.push({
        key: `${run.id}:${e.id}`,
        runId: run.id,
        engine: e.id,
        kind: e.kind,
        label: runs.length > 1 ? `${e.id} · ${run.label}` : e.id,
        points,
      });
    }
  }
  return out;
}

const PALETTE: Record<string, string> = {
  ts: '#1f77b4',
  onnx: '#d62728',
  'tfjs-wasm': '#2ca02c',
  'tfjs-cpu': '#8c564b',
  webgpu: '#9467bd',
  'ort-matmul': '#ff7f0e',
  'ort-attention': '#e377c2',
  'tfjs-wasm-ops': '#17becf',
  'tfjs-cpu-ops': '#7f7f7f',
};

/** A stable colour per engine. */
export function engineColor(engine: string): string {
  if (PALETTE[engine]) return PALETTE[engine]!;
  let h = 0;
  for (const ch of engine) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return `hsl(${h} 60% 45%)`;
}
