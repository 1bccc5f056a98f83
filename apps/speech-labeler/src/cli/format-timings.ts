/** The `--timings` line of the CLI. */
import type { Timings } from '../pipeline/labeler.js';

/** `audio 12.3 s labelled in 0.45 s (27x real time): reading …, features …, model …`. */
export function formatTimings(t: Timings, seconds: number): string {
  const total = t.read + t.features + t.model;
  const f = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  return (
    `audio ${seconds.toFixed(1)} s labelled in ${f(total)} (${(seconds / (total / 1000)).toFixed(0)}x real time): ` +
    `reading ${f(t.read)}, features ${f(t.features)}, model ${f(t.model)}`
  );
}
