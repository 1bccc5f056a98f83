import { describe, expect, it } from 'vitest';
import { attentionCase } from '../cases.js';
import { assembleFile } from '../job-result.js';
import type { BenchResult, ResultsFile } from '../results.js';
import { summarize } from '../stats.js';
import { compareRuns } from './compare.js';
import { buildMatrix } from '../cases.js';
import { DEFAULT_ENCODER_SPEC } from '../encoder-spec.js';
import { axisValue, buildSeries, familiesOf, familyLabel, groupOf, metricValue, type LoadedRun } from './series.js';

const cases = [128, 512, 2048]
  .map((seq) => attentionCase({ batch: 1, heads: 8, seq, headDim: 64, mask: 'none' }, 'seq'))
  .concat([attentionCase({ batch: 1, heads: 8, seq: 512, headDim: 64, mask: 'causal' }, 'seq')]);

function ok(engine: string, c: string, ms: number, extra: Partial<BenchResult> = {}): BenchResult {
  return {
    engine,
    case: c,
    status: 'ok',
    timesMs: [ms],
    stats: summarize([ms]),
    gflops: { useful: 1000 / ms, dense: 1000 / ms },
    ...extra,
  };
}

function file(times: Record<string, number[]>): ResultsFile {
  const results: BenchResult[] = [];
  for (const [engine, ms] of Object.entries(times)) {
    ms.forEach((t, i) =>
      results.push(
        Number.isNaN(t)
          ? { engine, case: cases[i]!.id, status: 'skipped', reason: 'too slow' }
          : ok(engine, cases[i]!.id, t, {
              memory: { peakRss: 3 * 2 ** 20 * (i + 1), baseRss: 2 ** 20, loadPeakRss: 2 ** 20 },
            }),
      ),
    );
  }
  return assembleFile({
    source: 'cli',
    machine: {
      platform: 'linux',
      arch: 'x64',
      os: 'Linux',
      cpu: 'cpu',
      cores: 2,
      memoryBytes: 2 ** 34,
      node: 'v20',
      adapters: [],
    },
    config: {
      mode: 'quick',
      argv: [],
      backendFilter: [],
      caseFilter: [],
      peers: true,
      settings: { warmup: 1, warmupMs: 0, minRuns: 1, maxRuns: 1, minTimeMs: 0, maxTimeMs: 1 },
      maxRunMs: 1,
      maxBytes: 1,
      seed: 1,
      window: 128,
      encoderSpecSource: 'built-in',
    },
    engines: [
      { id: 'ts', kind: 'attnkit', description: 'ts', available: true },
      { id: 'ort-matmul', kind: 'peer', description: 'peer', available: true },
    ],
    cases,
    results,
  });
}

const before = file({ ts: [10, 100, NaN, 60], 'ort-matmul': [2, 20, 300, 30] });
const after = file({ ts: [5, 50, 800, 30], 'ort-matmul': [2, 20, 320, 30] });
const runs: LoadedRun[] = [{ id: 1, label: 'before.json', file: before }];

describe('chart series', () => {
  it('lists case families, the one with most lengths (unmasked first) on top', () => {
    expect(familiesOf(runs).map((f) => [f.family, f.lengths])).toEqual([
      ['attention/none/B1-H8-D64', 3],
      ['attention/causal/B1-H8-D64', 1],
    ]);
    expect(familyLabel('attention/window128/B1-H8-D64')).toBe('attention, window ±128, B1 H8 D64');
  });

  it('draws one line per engine over S, leaving out what did not run', () => {
    const s = buildSeries(runs, 'attention/none/B1-H8-D64', 'time');
    expect(s.map((x) => [x.label, x.kind, x.points.map((p) => [p.x, p.y])])).toEqual([
      [
        'ts',
        'attnkit',
        [
          [128, 10],
          [512, 100],
        ],
      ],
      [
        'ort-matmul',
        'peer',
        [
          [128, 2],
          [512, 20],
          [2048, 300],
        ],
      ],
    ]);
  });

  it('plots ratios to the fastest peer, GFLOP/s and the memory the runs added', () => {
    const [ts] = buildSeries(runs, 'attention/none/B1-H8-D64', 'ratio');
    expect(ts!.points.map((p) => p.y)).toEqual([5, 5]);
    expect(metricValue(before.results[0]!, 'gflops')).toBe(100);
    expect(metricValue(before.results[1]!, 'memory')).toBe(5);
    expect(metricValue(before.results[2]!, 'time')).toBeUndefined();
  });

  it('names lines by file when several files are loaded', () => {
    const two = [...runs, { id: 2, label: 'after.json', file: after }];
    expect(buildSeries(two, 'attention/none/B1-H8-D64', 'time').map((s) => s.label)).toEqual([
      'ts · before.json',
      'ort-matmul · before.json',
      'ts · after.json',
      'ort-matmul · after.json',
    ]);
  });
});

describe('other x axes', () => {
  const full = buildMatrix({ full: true, window: 128, encoder: { spec: DEFAULT_ENCODER_SPEC, source: 'built-in' } });

  it('groups cases along S by family, and along heads, head size or batch by everything else', () => {
    for (const c of full) expect(groupOf(c, 'seq')).toBe(c.family);
    const byHeads = new Map<string, number[]>();
    for (const c of full) {
      const g = groupOf(c, 'heads');
      if (g) byHeads.set(g, [...(byHeads.get(g) ?? []), axisValue(c, 'heads')!]);
    }
    // the heads sweep at S=1024 joins the base case (H8) of the S sweep
    expect(byHeads.get('attention/none/B1-S1024-D64')!.sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16]);
    expect(
      groupOf(
        full.find((c) => c.kind === 'encoder')!,
        'heads',
      ),
    ).toBeUndefined();
    expect(
      groupOf(
        full.find((c) => c.kind === 'encoder')!,
        'batch',
      ),
    ).toBe('encoder/S500');
  });

  it('lists the group with most points first along an axis', () => {
    const file = { ...before, cases: full, results: [] };
    expect(familiesOf([{ id: 1, label: 'f', file }], 'batch')[0]).toMatchObject({
      family: 'attention/none/H8-S1024-D64',
      lengths: 4,
    });
  });
});

describe('before/after comparison', () => {
  it('pairs each case and engine measured in both files, and sums up each engine by the geometric mean', () => {
    const { rows, engines } = compareRuns(before, after);
    const ts = rows.filter((r) => r.engine === 'ts');
    expect(ts.map((r) => r.change)).toEqual([0.5, 0.5, 0.5]); // S2048 was skipped before
    expect(engines.find((e) => e.engine === 'ts')).toEqual({ engine: 'ts', geomean: 0.5, cases: 3 });
    const peer = engines.find((e) => e.engine === 'ort-matmul')!;
    expect(peer.cases).toBe(4);
    expect(peer.geomean).toBeCloseTo(Math.pow(320 / 300, 1 / 4));
  });
});
