/**
 * The four charts (time, GFLOP/s, ratio to the fastest peer, memory) against sequence length, on
 * Chart.js with log axes. Each chart's figure carries `data-points`: the number of points drawn.
 */
import {
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Title,
  Tooltip,
  type ChartDataset,
  type LegendItem,
  type PointStyle,
  type Scale,
} from 'chart.js';
import { AXIS_TITLES, engineColor, METRIC_TITLES, type Axis, type Metric, type Series } from './series.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip, Title);

const CHART_TITLES: Record<Metric, string> = {
  time: 'Time per run',
  gflops: 'Throughput (useful GFLOP/s)',
  ratio: 'Relative to the fastest peer (lower is better)',
  memory: 'Peak memory added by the runs',
};

type Points = { x: number; y: number }[];

const POINT_STYLES: readonly PointStyle[] = ['circle', 'triangle', 'rect', 'rectRot'];

/** What each dataset stands for, to build a legend of engines and files instead of one entry per pair. */
interface DatasetMeta {
  readonly engine: string;
  readonly file: string;
}

/** One chart of one metric. */
export class MetricChart {
  private readonly chart: Chart<'line', Points>;

  constructor(
    private readonly figure: HTMLElement,
    private readonly metric: Metric,
  ) {
    const canvas = figure.querySelector('canvas')!;
    this.chart = new Chart<'line', Points>(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          x: {
            type: 'logarithmic',
            title: { display: true, text: AXIS_TITLES.seq },
            afterBuildTicks: (axis: Scale) => {
              const xs = new Set<number>();
              for (const d of this.chart?.data.datasets ?? []) for (const p of d.data) xs.add(p.x);
              if (xs.size > 0) axis.ticks = [...xs].sort((a, b) => a - b).map((value) => ({ value }));
            },
            ticks: { callback: (v) => String(v) },
          },
          y: {
            type: metric === 'memory' ? 'linear' : 'logarithmic',
            title: { display: true, text: METRIC_TITLES[metric] },
            ...(metric === 'memory' ? { beginAtZero: true } : {}),
          },
        },
        plugins: {
          title: { display: true, text: CHART_TITLES[metric] },
          legend: {
            position: 'bottom',
            labels: { boxWidth: 14, usePointStyle: true, generateLabels: (chart) => this.legendItems(chart) },
            onClick: (_e, item) => this.toggle(item),
          },
          tooltip: {
            callbacks: {
              label: (ctx) =>
                `${ctx.dataset.label}: S=${(ctx.raw as { x: number }).x}, ${fmt((ctx.raw as { y: number }).y)}`,
            },
          },
        },
      },
    });
  }

  private meta: DatasetMeta[] = [];
  private files: string[] = [];
  private readonly hidden = new Set<string>();

  /** With one file: one entry per engine. With several: one per engine (colour) and one per file (shape). */
  private legendItems(chart: Chart): LegendItem[] {
    const items = Chart.defaults.plugins.legend.labels.generateLabels(chart);
    if (this.files.length <= 1) return items;
    const engines = new Map<string, LegendItem>();
    items.forEach((item, i) => {
      const m = this.meta[i];
      if (!m) return engines.set(item.text, item);
      if (!engines.has(m.engine))
        engines.set(m.engine, {
          ...item,
          text: m.engine,
          pointStyle: 'line',
          hidden: this.hidden.has(`engine:${m.engine}`),
        });
    });
    const files = this.files.map((file, n): LegendItem => ({
      text: file,
      fillStyle: '#666',
      strokeStyle: '#666',
      lineWidth: 1,
      pointStyle: POINT_STYLES[n % POINT_STYLES.length]!,
      hidden: this.hidden.has(`file:${file}`),
    }));
    return [...engines.values(), ...files];
  }

  private toggle(item: LegendItem): void {
    if (this.files.length <= 1) {
      const i = item.datasetIndex ?? -1;
      if (i >= 0) this.chart.setDatasetVisibility(i, !this.chart.isDatasetVisible(i));
    } else {
      const key = this.files.includes(item.text) ? `file:${item.text}` : `engine:${item.text}`;
      if (this.hidden.has(key)) this.hidden.delete(key);
      else this.hidden.add(key);
      this.meta.forEach((m, i) =>
        this.chart.setDatasetVisibility(
          i,
          !this.hidden.has(`file:${m.file}`) && !this.hidden.has(`engine:${m.engine}`),
        ),
      );
    }
    this.chart.update();
  }

  /** Draws `series`; runs after the first use other point shapes, peers dashed lines. */
  update(
    series: readonly Series[],
    runOrder: readonly number[],
    runLabels: ReadonlyMap<number, string> = new Map(),
    axis: Axis = 'seq',
  ): void {
    const x = this.chart.options.scales?.x;
    if (x && 'title' in x && x.title) x.title.text = AXIS_TITLES[axis];
    const datasets: ChartDataset<'line', Points>[] = series.map((s) => {
      const color = engineColor(s.engine);
      const nth = runOrder.indexOf(s.runId);
      return {
        label: s.label,
        data: s.points.map((p) => ({ ...p })),
        borderColor: color,
        backgroundColor: color,
        borderDash: s.kind === 'peer' ? [6, 4] : [],
        borderWidth: nth > 0 ? 1.5 : 2,
        pointStyle: POINT_STYLES[nth % POINT_STYLES.length]!,
        pointRadius: 3.5,
        tension: 0,
      };
    });
    if (this.metric === 'ratio' && series.length > 0) {
      const xs = series.flatMap((s) => s.points.map((p) => p.x));
      datasets.push({
        label: 'fastest peer = 1',
        data: [
          { x: Math.min(...xs), y: 1 },
          { x: Math.max(...xs), y: 1 },
        ],
        borderColor: '#999',
        backgroundColor: '#999',
        borderDash: [2, 3],
        borderWidth: 1,
        pointRadius: 0,
      });
    }
    this.meta = series.map((s) => ({ engine: s.engine, file: runLabels.get(s.runId) ?? String(s.runId) }));
    this.files = runOrder
      .map((id) => runLabels.get(id) ?? String(id))
      .filter((f) => this.meta.some((m) => m.file === f));
    this.hidden.clear();
    this.chart.data.datasets = datasets;
    this.chart.update();
    const points = series.reduce((n, s) => n + s.points.length, 0);
    this.figure.dataset.points = String(points);
    this.figure.classList.toggle('empty', points === 0);
  }
}

function fmt(y: number): string {
  return Math.abs(y) >= 100 ? y.toFixed(0) : Math.abs(y) >= 1 ? y.toFixed(2) : y.toPrecision(3);
}
