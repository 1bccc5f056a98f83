/**
 * How often a worker process tells the runner of its progress: at the first run of each phase, then at
 * most every {@link PROGRESS_EVERY_MS}. A message per run (thousands a second for small cases) kept the
 * runner busy on a core that the threads of the engine being timed needed.
 */

/** The longest gap between progress messages within a phase. */
export const PROGRESS_EVERY_MS = 50;

/**
 * The gap for a job whose runs may last at most `maxRunMs`: the runner's watchdog is re-armed by each
 * message, so they come well within the limit.
 */
export function progressGap(maxRunMs: number | undefined): number {
  return Math.min(PROGRESS_EVERY_MS, (maxRunMs ?? Infinity) / 4);
}

/** Wraps `send` so that it is called at the first run of each phase and then at most every `gapMs`. */
export function throttleProgress<P extends string>(
  send: (done: number, phase: P) => void,
  gapMs: number,
  now: () => number,
): (done: number, phase: P) => void {
  let sentAt = -Infinity;
  let sentPhase: P | undefined;
  return (done, phase) => {
    const t = now();
    if (phase === sentPhase && t - sentAt < gapMs) return;
    sentAt = t;
    sentPhase = phase;
    send(done, phase);
  };
}
