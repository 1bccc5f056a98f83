/**
 * `runConformance(plugin)`: the suite as vitest tests, for a backend package's own test run.
 *
 * Cases a backend's capabilities exclude are registered as skipped, with the reason in their name. A
 * backend that cannot run on this machine is skipped with its reason printed, except under CI (`CI` set),
 * where that is a failure: CI must install what every backend needs.
 */
import type { BackendPlugin, Backend } from '@attnkit/core';
import { afterAll, describe, it } from 'vitest';
import { skipReason, type ConformanceCase } from './case.js';
import { fuzzBackend, type FuzzOptions } from './fuzz.js';
import { lifecycleChecks } from './lifecycle-cases.js';
import { conformanceCases, type SuiteOptions } from './suite.js';

/** Options of {@link runConformance}. */
export interface RunConformanceOptions extends SuiteOptions {
  /** Passed to `plugin.create`. */
  readonly createOptions?: unknown;
  /** Per-case timeout in ms (default 60 000). */
  readonly timeout?: number;
  /** Cases to use instead of the default suite. */
  readonly cases?: readonly ConformanceCase[];
  /** Sizes for the lifecycle checks (a slow device takes a smaller call in flight, fewer create/dispose cycles). */
  readonly lifecycle?: Parameters<typeof lifecycleChecks>[0];
  /** The seeded fuzz run (default 2000 calls, seed 1); `false` leaves it out. */
  readonly fuzz?: FuzzOptions | false;
}

/**
 * Registers the conformance suite for `plugin` as vitest tests.
 *
 * @example
 * ```ts
 * // conformance.test.ts in a backend package
 * import { runConformance } from '@attnkit/conformance/vitest';
 * import { plugin } from './index.js';
 * runConformance(plugin);
 * ```
 */
export function runConformance(plugin: BackendPlugin, options: RunConformanceOptions = {}): void {
  describe(`conformance: ${plugin.name}`, async () => {
    const probe = await plugin.probe();
    if (!probe.available) {
      const reason = `backend "${plugin.name}" is unavailable here: ${probe.reason ?? 'no reason given'}`;
      if (process.env.CI) {
        it('backend is available (required under CI)', () => {
          throw new Error(reason);
        });
      } else {
        console.warn(`[attnkit-conformance] skipping: ${reason}`);
        it.skip(`all cases — skipped: ${reason}`, () => undefined);
      }
      return;
    }
    const backend: Backend = await plugin.create(options.createOptions);
    afterAll(() => backend.dispose());
    const cases = options.cases ?? conformanceCases(options);
    if (options.filter) {
      // A filter that matches nothing would pass on zero cases.
      it(`the filter ${String(options.filter)} selects cases`, () => {
        if (cases.length === 0) throw new Error(`the filter ${String(options.filter)} matches no case of the suite`);
      });
    }
    const groups = new Map<string, ConformanceCase[]>();
    for (const c of cases) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
    for (const [group, list] of groups) {
      describe(group, () => {
        for (const c of list) {
          const reason = skipReason(backend, c);
          if (reason) it.skip(`${c.id} — skipped: ${reason}`, () => undefined);
          else it(c.id, () => c.run(backend), options.timeout ?? 60_000);
        }
      });
    }
    if (options.fuzz !== false) {
      const fuzz = options.fuzz ?? {};
      describe('fuzz', () => {
        it(`${fuzz.calls ?? 2000} seeded malformed or edge calls: typed errors or the reference, inputs untouched, no hang`, async () => {
          const report = await fuzzBackend(backend, fuzz);
          const refused = Object.entries(report.refused)
            .map(([c, n]) => `${c} ${n}`)
            .join(', ');
          console.log(
            `[attnkit-conformance] fuzz ${plugin.name}: ${report.calls} calls, ${report.computed} computed and matched, refused: ${refused}`,
          );
          if (report.failures.length > 0) {
            throw new Error(
              `${report.failures.length} of ${report.calls} fuzz calls failed:\n${report.failures.slice(0, 20).join('\n')}`,
            );
          }
        }, 300_000);
      });
    }
    describe('lifecycle: own backends', () => {
      for (const check of lifecycleChecks(options.lifecycle)) {
        it(check.name, () => check.run(plugin, options.createOptions), options.timeout ?? 60_000);
      }
    });
  });
}
