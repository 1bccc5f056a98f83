/**
 * Before/after: two results files compared case by case and engine by engine. No DOM here.
 */
import { describeCase } from '../cases.js';
import type { ResultsFile } from '../results.js';

/** One (case, engine) measured in both files. */
export interface CompareRow {
  readonly case: string;
  readonly caseLabel: string;
  readonly engine: string;
  readonly beforeMs: number;
  readonly afterMs: number;
  /** `afterMs / beforeMs`: below 1 is faster after. */
  readonly change: number;
}

/** Per engine: the geometric mean of the changes over the cases both files measured. */
export interface EngineChange {
  readonly engine: string;
  readonly geomean: number;
  readonly cases: number;
}

/**
 * Compares the median times of two results files.
 *
 * @example
 * ```ts
 * const { rows, engines } = compareRuns(before, after);
 * ```
 */
export function compareRuns(before: ResultsFile, after: ResultsFile): { rows: CompareRow[]; engines: EngineChange[] } {
  const rows: CompareRow[] = [];
  for (const a of after.results) {
    if (a.status !== 'ok' || !a.stats) continue;
    const b = before.results.find((r) => r.case === a.case && r.engine === a.engine && r.status === 'ok' && r.stats);
    if (!b) continue;
    const c = after.cases.find((x) => x.id === a.case)!;
    rows.push({
      case: a.case,
      caseLabel: describeCase(c),
      engine: a.engine,
      beforeMs: b.stats!.median,
      afterMs: a.stats.median,
      change: a.stats.median / b.stats!.median,
    });
  }
  const byEngine = new Map<string, number[]>();
  for (const r of rows) byEngine.set(r.engine, [...(byEngine.get(r.engine) ?? []), r.change]);
  const engines = [...byEngine.entries()].map(([engine, changes]) => ({
    engine,
    geomean: Math.exp(changes.reduce((s, x) => s + Math.log(x), 0) / changes.length),
    cases: changes.length,
  }));
  return { rows, engines };
}
