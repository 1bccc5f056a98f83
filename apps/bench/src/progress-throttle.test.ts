import { describe, expect, it } from 'vitest';
import { PROGRESS_EVERY_MS, progressGap, throttleProgress } from './progress-throttle.js';

describe('progress from a worker process', () => {
  it('is sent at the first run of each phase, then at most once per gap', () => {
    let t = 0;
    const sent: string[] = [];
    const progress = throttleProgress<'warmup' | 'timed'>(
      (n, phase) => sent.push(`${phase}${n}`),
      50,
      () => t,
    );
    // 1,000 warm-up runs of 0.1 ms: the first, then one per 50 ms.
    for (let i = 1; i <= 1000; i++, t += 0.1) progress(i, 'warmup');
    // The first timed run is sent at once although the last message was 0.1 ms before.
    progress(1, 'timed');
    t += 10;
    progress(2, 'timed');
    t += 45;
    progress(3, 'timed');
    expect(sent).toEqual(['warmup1', 'warmup501', 'timed1', 'timed3']);
  });

  it('comes at least four times within the per-run limit, so the watchdog it re-arms never fires early', () => {
    expect(progressGap(undefined)).toBe(PROGRESS_EVERY_MS);
    expect(progressGap(60_000)).toBe(PROGRESS_EVERY_MS);
    expect(progressGap(20)).toBe(5);
  });
});
