/**
 * From loaded results files to chart series: one line per (file, engine) over sequence length, for one
 * case family and one metric. No DOM here, so it is tested in Node.
 */
import { maskLabel, type BenchCase } from '../cases.js';
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
    case 'time':
      return r.stats.median;
    case 'gflops':
      return r.gflops?.useful;
    case 'ratio':
      return r.ratio;
    case 'memory':
      return r.memory ? Math.max(0, r.memory.peakRss - r.memory.baseRss) / 2 ** 20 : undefined;
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
  return family
    .split('/')
    .map((p) => p.replace(/-/g, ' ').replace(/^window(\d+)$/, 'window ±$1'))
    .join(', ');
}

/** What the charts' x axis shows: one dimension of the cases, the others held fixed. */
export type Axis = 'seq' | 'heads' | 'headDim' | 'batch';

/** X-axis titles. */
export const AXIS_TITLES: Record<Axis, string> = {
  seq: 'sequence length S',
  heads: 'heads H',
  headDim: 'head size D',
  batch: 'batch B',
};

/** A case's value on `axis`, or `undefined` when it has no such dimension (heads and head size of the encoder). */
export function axisValue(c: BenchCase, axis: Axis): number | undefined {
  if (axis === 'seq') return c.seq;
  if (axis === 'batch') return c.batch;
  if (c.kind === 'encoder') return undefined;
  return axis === 'heads' ? c.heads : c.headDim;
}

/**
 * The group a case is drawn in along `axis`: its kind, mask and every dimension but the axis, e.g.
 * `attention/none/B1-H8-D64` along S (the case's family) or `attention/none/B1-S1024-D64` along heads.
 */
export function groupOf(c: BenchCase, axis: Axis): string | undefined {
  if (axisValue(c, axis) === undefined) return undefined;
  if (c.kind === 'encoder')
    return `encoder/${c.dtype === 'float16' ? 'float16/' : ''}${[`B${c.batch}`, `S${c.seq}`].filter((_, i) => (axis === 'batch' ? i !== 0 : i !== 1)).join('-')}`;
  // Decode steps, grouped heads and chains are lines of their own, drawn against the length only.
  if (c.qLength !== undefined || c.kvHeads !== undefined || c.chain) return axis === 'seq' ? c.family : undefined;
  const mask = maskLabel(c);
  const dims: [Axis, string][] = [
    ['batch', `B${c.batch}`],
    ['heads', `H${c.heads}`],
    ['seq', `S${c.seq}`],
    ['headDim', `D${c.headDim}`],
  ];
  return `attention/${mask}/${dims
    .filter(([a]) => a !== axis)
    .map(([, d]) => d)
    .join('-')}`;
}

/** Unmasked attention first, then causal, window, the encoder. */
function rank(group: string): number {
  const order = ['attention/none/', 'attention/causal/', 'attention/window', 'encoder/'];
  const i = order.findIndex((p) => group.startsWith(p));
  return i < 0 ? order.length : i;
}

/**
 * The groups of the loaded runs along `axis` with their number of points on it, most points first
 * (unmasked first on a tie). Along S the groups are the case families.
 */
export function familiesOf(
  runs: readonly LoadedRun[],
  axis: Axis = 'seq',
): { family: string; label: string; lengths: number }[] {
  const values = new Map<string, Set<number>>();
  for (const run of runs)
    for (const c of run.file.cases) {
      const g = groupOf(c, axis);
      if (g === undefined) continue;
      if (!values.has(g)) values.set(g, new Set());
      values.get(g)!.add(axisValue(c, axis)!);
    }
  return [...values.entries()]
    .map(([family, v]) => ({ family, label: familyLabel(family), lengths: v.size }))
    .sort((a, b) => b.lengths - a.lengths || rank(a.family) - rank(b.family) || a.family.localeCompare(b.family));
}

/** The series of one group and metric across runs; a run's label is added when several runs are loaded. */
export function buildSeries(runs: readonly LoadedRun[], family: string, metric: Metric, axis: Axis = 'seq'): Series[] {
  const out: Series[] = [];
  for (const run of runs) {
    const cases = new Map<string, BenchCase>(
      run.file.cases.filter((c) => groupOf(c, axis) === family).map((c) => [c.id, c]),
    );
    for (const e of run.file.engines) {
      const points = run.file.results
        .filter((r) => r.engine === e.id && cases.has(r.case))
        .map((r) => ({ x: axisValue(cases.get(r.case)!, axis)!, y: metricValue(r, metric) }))
        .filter(
          (p): p is { x: number; y: number } =>
            p.y !== undefined && Number.isFinite(p.y) && (metric === 'memory' || p.y > 0),
        )
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
