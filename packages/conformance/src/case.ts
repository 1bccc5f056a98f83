/**
 * The shape of a conformance case, and how to run a list of them without a test framework.
 */
import { describeMissing, missingFeatures, type Backend, type Feature } from '@attnkit/core';

/** Case groups. */
export type CaseGroup = 'attention' | 'peer-vectors' | 'bad-input' | 'models' | 'lifecycle';

/** One conformance case: deterministic inputs, checked against the reference, the peer vectors or core's errors. */
export interface ConformanceCase {
  /** Unique, stable id, e.g. `attention/causal/gqa-2x4`. */
  readonly id: string;
  /** The group it belongs to (its id's first part): `runConformance` makes one `describe` block per group. */
  readonly group: CaseGroup;
  /** Features the backend must declare; otherwise the case is skipped with the reason. */
  readonly needs: readonly Feature[];
  /** Runs the case; throws on a mismatch. */
  run(backend: Backend): Promise<void>;
}

/** Outcome of one case. */
export interface CaseOutcome {
  /** The case's {@link ConformanceCase.id}. */
  readonly id: string;
  /** `skipped`: the backend does not declare a feature the case needs (`detail` names it). */
  readonly status: 'passed' | 'failed' | 'skipped';
  /** Failure message or skip reason. */
  readonly detail?: string;
  /** Wall time of the case in milliseconds (`0` when skipped). */
  readonly ms: number;
}

/** Why a backend skips a case, or `undefined` when it must run it. */
export function skipReason(backend: Backend, c: ConformanceCase): string | undefined {
  const missing = missingFeatures(backend.capabilities, c.needs);
  if (missing.length === 0) return undefined;
  return `backend lacks ${describeMissing(missing)}`;
}

/** Runs cases one after another, reporting each outcome. */
export async function runCases(
  backend: Backend,
  cases: readonly ConformanceCase[],
  onOutcome?: (o: CaseOutcome) => void,
): Promise<CaseOutcome[]> {
  const outcomes: CaseOutcome[] = [];
  for (const c of cases) {
    const start = performance.now();
    const reason = skipReason(backend, c);
    let outcome: CaseOutcome;
    if (reason) {
      outcome = { id: c.id, status: 'skipped', detail: reason, ms: 0 };
    } else {
      try {
        await c.run(backend);
        outcome = { id: c.id, status: 'passed', ms: performance.now() - start };
      } catch (e) {
        outcome = {
          id: c.id,
          status: 'failed',
          detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
          ms: performance.now() - start,
        };
      }
    }
    outcomes.push(outcome);
    onOutcome?.(outcome);
  }
  return outcomes;
}
