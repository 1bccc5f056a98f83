/**
 * The results table: every result of every loaded run, filtered by case family and by text.
 */
import { describeCase, type BenchCase } from '../cases.js';
import { fmtMiB, fmtMs, fmtRate, fmtRatio } from '../format.js';
import type { BenchResult } from '../results.js';
import { h } from './dom.js';
import type { LoadedRun } from './series.js';

function statusCell(r: BenchResult): HTMLElement {
  if (r.status === 'ok') {
    if (r.check && !r.check.ok)
      return h(
        'td',
        { class: 'bad', title: `differs from ${r.check.reference} by ${r.check.maxAbsDiff}` },
        'output differs',
      );
    return h(
      'td',
      {
        class: 'ok',
        title: r.check
          ? `agrees with ${r.check.reference} (max diff ${r.check.maxAbsDiff.toExponential(1)})`
          : 'reference output',
      },
      'ok',
    );
  }
  return h(
    'td',
    { class: r.status === 'failed' ? 'bad' : 'muted', title: r.reason ?? '' },
    `${r.status}: ${r.reason ?? ''}`,
  );
}

/** Renders the table rows of `runs` (only the cases `include` accepts, if given; only rows containing `text`). */
export function renderTable(
  body: HTMLTableSectionElement,
  runs: readonly LoadedRun[],
  include: ((c: BenchCase) => boolean) | undefined,
  text: string,
): number {
  const rows: HTMLTableRowElement[] = [];
  const needle = text.trim().toLowerCase();
  for (const run of runs) {
    const kinds = new Map(run.file.engines.map((e) => [e.id, e.kind]));
    for (const c of run.file.cases) {
      if (include && !include(c)) continue;
      const results = run.file.results
        .filter((r) => r.case === c.id)
        .sort((a, b) => (a.stats?.median ?? Infinity) - (b.stats?.median ?? Infinity));
      for (const r of results) {
        const cells = [run.label, describeCase(c), `${r.engine}${kinds.get(r.engine) === 'peer' ? ' (peer)' : ''}`];
        if (
          needle &&
          !cells.join(' ').toLowerCase().includes(needle) &&
          !(r.reason ?? '').toLowerCase().includes(needle)
        )
          continue;
        const s = r.stats;
        rows.push(
          h(
            'tr',
            { class: r.status === 'ok' ? '' : 'not-run' },
            ...cells.map((x) => h('td', {}, x)),
            h('td', { class: 'num' }, s ? fmtMs(s.median) : ''),
            h('td', { class: 'num' }, s ? `±${((s.relSpread * 100) / 2).toFixed(0)}%` : ''),
            h('td', { class: 'num' }, s ? String(s.n) : ''),
            h('td', { class: 'num' }, r.gflops ? fmtRate(r.gflops.useful) : ''),
            h('td', { class: 'num' }, r.gflops ? fmtRate(r.gflops.dense) : ''),
            h('td', { class: 'num' }, r.memory ? fmtMiB(r.memory.peakRss) : ''),
            h('td', { class: 'num' }, r.memory ? fmtMiB(Math.max(0, r.memory.peakRss - r.memory.baseRss)) : ''),
            h(
              'td',
              { class: `num ${r.ratio !== undefined && r.ratio <= 1 ? 'win' : ''}` },
              r.status === 'ok' ? fmtRatio(r.ratio) : '',
            ),
            statusCell(r),
          ),
        );
      }
    }
  }
  body.replaceChildren(...rows);
  return rows.length;
}
