/**
 * The text tables printed at the end of a run: one block per case (median, spread, GFLOP/s, memory and
 * ratio for each engine that ran, and the reasons of those that did not), then a matrix of the ratios to
 * the fastest peer.
 */
import { describeCase } from './cases.js';
import { fmtMiB, fmtMs, fmtRate, fmtRatio } from './format.js';
import type { BenchResult, ResultsFile } from './results.js';

/** Lays out rows of cells in columns; `right` aligns those column indexes to the right. */
export function layout(rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function memoryCell(r: BenchResult): string {
  if (!r.memory) return '–';
  return `${fmtMiB(r.memory.peakRss)} (+${fmtMiB(Math.max(0, r.memory.peakRss - r.memory.baseRss)).replace(' MiB', '')})`;
}

/** One block per case. */
export function formatCaseTables(file: ResultsFile): string {
  const blocks: string[] = [];
  for (const c of file.cases) {
    const rows = file.results.filter((r) => r.case === c.id);
    const ran = rows.filter((r) => r.status === 'ok').sort((a, b) => a.stats!.median - b.stats!.median);
    // Decoding through a cache: a run is `steps` calls; its time per step and tokens per second too.
    const steps = c.kind === 'attention' ? c.steps : undefined;
    const perStep = steps === undefined ? [] : ['per step', 'tokens/s'];
    const header = [
      'engine',
      'median',
      ...perStep,
      'spread',
      'runs',
      'GFLOP/s',
      'dense',
      'peak RSS (+runs)',
      'vs peer',
      'check',
    ];
    const lines = ran.map((r) => [
      `${r.engine}${file.engines.find((e) => e.id === r.engine)?.kind === 'peer' ? ' (peer)' : ''}`,
      fmtMs(r.stats!.median),
      ...(steps === undefined ? [] : [fmtMs(r.stats!.median / steps), fmtRate((1000 * steps) / r.stats!.median)]),
      `±${((r.stats!.relSpread * 100) / 2).toFixed(0)}%`,
      String(r.stats!.n),
      fmtRate(r.gflops!.useful),
      fmtRate(r.gflops!.dense),
      memoryCell(r),
      fmtRatio(r.ratio),
      r.check ? (r.check.ok ? 'ok' : `DIFFERS ${r.check.maxAbsDiff.toExponential(1)}`) : 'ref',
    ]);
    const notRun = rows
      .filter((r) => r.status !== 'ok')
      .map((r) => `    ${r.engine}: ${r.status === 'failed' ? 'FAILED: ' : ''}${r.reason ?? r.status}`);
    blocks.push(
      [
        describeCase(c),
        ran.length > 0
          ? layout(
              [header, ...lines],
              new Set(header.map((_, i) => i).filter((i) => i >= 1 && i < header.length - 1)),
            ).replace(/^/gm, '  ')
          : '  (no engine ran this case)',
        ...(notRun.length > 0 ? ['  not run:', ...notRun] : []),
      ].join('\n'),
    );
  }
  return blocks.join('\n\n');
}

/** The matrix of ratios to the fastest peer: cases down, engines across. */
export function formatRatioMatrix(file: ResultsFile): string {
  const engines = file.engines.filter((e) => e.available);
  const header = ['case', 'fastest peer', ...engines.map((e) => e.id)];
  const rows = file.cases.map((c) => {
    const results = file.results.filter((r) => r.case === c.id);
    const peers = results.filter((r) => r.status === 'ok' && engines.find((e) => e.id === r.engine)?.kind === 'peer');
    const fastest = peers.sort((a, b) => a.stats!.median - b.stats!.median)[0];
    return [
      describeCase(c),
      fastest ? `${fmtMs(fastest.stats!.median)} ${fastest.engine}` : '–',
      ...engines.map((e) => {
        const r = results.find((x) => x.engine === e.id);
        if (!r) return '';
        if (r.status === 'ok') return `${fmtRatio(r.ratio)}${r.check && !r.check.ok ? '!' : ''}`;
        return r.status === 'failed' ? 'failed' : r.status === 'unsupported' ? 'n/a' : 'skip';
      }),
    ];
  });
  return layout([header, ...rows], new Set(header.map((_, i) => i).filter((i) => i >= 2)));
}
