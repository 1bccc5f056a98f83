/**
 * The four charts (time, GFLOP/s, ratio to the fastest peer, memory) against sequence length, on
 * Chart.js with log axes. Each chart's figure carries `data-points`: the number of points drawn.
 */
import {
  Chart, Legend, LinearScale, LineController, LineElement, LogarithmicScale, PointElement, Title, Tooltip,
  type ChartDataset, type Scale,
} from 'chart.js';
import { engineColor, METRIC_TITLES, type Metric, type Series } from './series.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Legend, Tooltip, Title);

const CHART_TITLES: Record<Metric, string> = {
  time: 'Time per run',
  gflops: 'Throughput (useful GFLOP/s)',
  ratio: 'Relative to the fastest peer (lower is better)',
  memory: 'Peak memory added by the runs',
};

type Points = { x: number; y: number }[];

/** One chart of one metric. */
export class MetricChart {
  private readonly chart: Chart<'line', Points>;

  constructor(private readonly figure: HTMLElement, private readonly metric: Metric) {
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
            title: { display: true, text: 'sequence length S' },
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
          legend: { position: 'bottom', labels: { boxWidth: 14, usePointStyle: true } },
          tooltip: { callbacks: { label: (ctx) => `${ctx.dataset.label}: S=${(ctx.raw as { x: number }).x}, ${fmt((ctx.raw as { y: number }).y)}` } },
        },
      },
    });
  }

  /** Draws `series`; runs after the first use other point shapes, peers dashed lines. */
  update(series: readonly Series[], runOrder: readonly number[]): void {
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
        pointStyle: (['circle', 'triangle', 'rect', 'rectRot'] as const)[nth % 4],
        pointRadius: 3.5,
        tension: 0,
      };
    });
    if (this.metric === 'ratio' && series.length > 0) {
      const xs = series.flatMap((s) => s.points.map((p) => p.x));
      datasets.push({
        label: 'fastest peer = 1',
        data: [{ x: Math.min(...xs), y: 1 }, { x: Math.max(...xs), y: 1 }],
        borderColor: '#999', backgroundColor: '#999', borderDash: [2, 3], borderWidth: 1, pointRadius: 0,
      });
    }
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
