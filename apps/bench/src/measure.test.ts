import { describe, expect, it } from 'vitest';
import { measure, type MeasureSettings } from './measure.js';

/** A fake clock: each run advances it by the next of `durations`. */
function fakeRun(durations: number[]) {
  let t = 0;
  let i = 0;
  const now = () => t;
  const run = async () => {
    t += durations[Math.min(i, durations.length - 1)]!;
    i++;
    return Float32Array.of(i);
  };
  return { now, run, calls: () => i };
}

const settings: MeasureSettings = { warmup: 2, warmupMs: 0, minRuns: 3, maxRuns: 10, minTimeMs: 100, maxTimeMs: 1000 };

describe('the timing loop', () => {
  it('warms up, then runs until both the minimum count and the minimum time are reached', async () => {
    const f = fakeRun([50, 50, 30]);
    const m = await measure(f.run, settings, f.now);
    expect(m.warmupMs).toEqual([50, 50]);
    expect(m.timesMs).toEqual([30, 30, 30, 30]); // 3 runs give 90 ms < 100 ms, so a 4th
    expect(m.output).toEqual(Float32Array.of(6));
  });

  it('keeps warming up until the times stop dropping (a JIT reaching its top tier)', async () => {
    const staircase = [312, 91, 70, 58, 68, 24, 20, 16, 13, 8, 8, 9, 8, 8, 8];
    const f = fakeRun(staircase);
    const m = await measure(f.run, { ...settings, warmup: 1, settleRuns: 3, maxTimeMs: 10000 }, f.now);
    expect(m.warmupMs).toEqual(staircase.slice(0, 13)); // 8 is the last record; 8, 9, 8 do not beat it by 10%
    expect(m.timesMs.every((t) => t === 8)).toBe(true);
  });

  it('runs `before` ahead of every run, outside its time', async () => {
    const f = fakeRun([50, 50, 30]);
    let befores = 0;
    let t = 0;
    // `before` moves the fake clock too: a reset that took 1000 ms must not show in any run's time.
    const now = () => f.now() + t;
    const m = await measure(f.run, settings, now, undefined, async () => {
      befores++;
      t += 1000;
    });
    expect(befores).toBe(f.calls());
    expect(m.warmupMs).toEqual([50, 50]);
    expect(m.timesMs).toEqual([30, 30, 30, 30]);
  });

  it('stops warming up at half of the time budget, settled or not', async () => {
    const f = fakeRun([400, 300, 200, 100]);
    const m = await measure(f.run, { ...settings, warmup: 1, settleRuns: 3, maxTimeMs: 1000 }, f.now);
    expect(m.warmupMs).toEqual([400, 300]);
  });

  it('stops warming up at the warm-up cap when one is given', async () => {
    const f = fakeRun([400, 300, 200, 100]);
    const m = await measure(
      f.run,
      { ...settings, warmup: 1, settleRuns: 3, maxTimeMs: 10000, maxWarmupMs: 600 },
      f.now,
    );
    expect(m.warmupMs).toEqual([400, 300]);
  });

  it('keeps warming up until the warm-up time is reached', async () => {
    const f = fakeRun([20]);
    const m = await measure(f.run, { ...settings, warmup: 1, warmupMs: 70 }, f.now);
    expect(m.warmupMs).toEqual([20, 20, 20, 20]);
  });

  it('stops at the maximum count for fast runs', async () => {
    const f = fakeRun([1]);
    const m = await measure(f.run, settings, f.now);
    expect(m.timesMs).toHaveLength(10);
  });

  it('stops below the minimum count when the time budget is spent, and says so', async () => {
    const f = fakeRun([600]);
    const m = await measure(f.run, settings, f.now);
    expect(m.warmupMs).toEqual([600]); // one warm-up over half the budget is enough
    expect(m.timesMs).toEqual([600, 600]);
    expect(m.cutShort).toMatch(/2 of 3 runs/);
  });

  it('stops at a warm run over the per-run limit, timing nothing', async () => {
    const f = fakeRun([100, 2500, 10]);
    const m = await measure(f.run, { ...settings, maxRunMs: 2000 }, f.now);
    expect(m.overLimit).toEqual({ ms: 2500, cold: false });
    expect(m.timesMs).toEqual([]);
    expect(f.calls()).toBe(2);
  });

  it('allows the first (cold) run three times the limit, and stops past that', async () => {
    const slowStart = fakeRun([5000, 500]);
    const m = await measure(slowStart.run, { ...settings, maxRunMs: 2000, maxTimeMs: 100000 }, slowStart.now);
    expect(m.overLimit).toBeUndefined();
    expect(m.timesMs.length).toBeGreaterThan(0);
    const tooSlow = fakeRun([6500]);
    const n = await measure(tooSlow.run, { ...settings, maxRunMs: 2000 }, tooSlow.now);
    expect(n.overLimit).toEqual({ ms: 6500, cold: true });
    expect(tooSlow.calls()).toBe(1);
  });

  it('always times at least one run', async () => {
    const f = fakeRun([5000]);
    const m = await measure(f.run, { ...settings, warmup: 0 }, f.now);
    expect(m.timesMs).toEqual([5000]);
  });

  it('reports each finished run', async () => {
    const f = fakeRun([60]);
    const seen: string[] = [];
    await measure(f.run, { ...settings, warmup: 1, minRuns: 2 }, f.now, (n, phase) => seen.push(`${phase}${n}`));
    expect(seen).toEqual(['warmup1', 'timed1', 'timed2']);
  });
});
