import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { planRun } from './config.js';
import { DEFAULT_ENCODER_SPEC } from './encoder-spec.js';
import { nodeCatalog } from './engines/catalog-node.js';
import { inProcessLauncher } from './launcher.js';
import { describeMachine } from './machine.js';
import { RESULTS_SCHEMA, stringifyResults } from './results.js';
import { validateResults } from './results-schema.js';
import { runBenchmark } from './runner.js';

const encoder = { spec: DEFAULT_ENCODER_SPEC, source: 'built-in' };

describe('the results file', { timeout: 60_000 }, async () => {
  const argv = ['--backend', 'ts,ort-matmul', '--case', 'causal+s32,none+s32', '--seq', '32', '--runs', '2'];
  const plan = planRun(
    { backend: 'ts,ort-matmul', case: 'causal+s32,none+s32', seq: '32', runs: 2, warmup: 1 },
    nodeCatalog(),
    encoder,
    argv,
    os.totalmem(),
  );
  const file = await runBenchmark({ ...plan, launch: inProcessLauncher(nodeCatalog()), describeMachine });
  const roundTrip = JSON.parse(JSON.stringify(file)) as unknown;

  it('validates against the schema after a round trip through JSON', () => {
    expect(validateResults(roundTrip).schema).toBe(RESULTS_SCHEMA);
    expect(JSON.parse(stringifyResults(file))).toEqual(roundTrip);
    expect(stringifyResults(file)).toMatch(/"timesMs": \[[\d.e,-]+\]/);
  });

  it('describes the machine: CPU, cores, memory, Node version, adapters', () => {
    expect(file.machine.cpu).toBe(os.cpus()[0]!.model.trim());
    expect(file.machine.cores).toBeGreaterThanOrEqual(1);
    expect(file.machine.memoryBytes).toBe(os.totalmem());
    expect(file.machine.node).toBe(process.version);
    expect(Array.isArray(file.machine.adapters)).toBe(true);
  });

  it('records the exact configuration: command line, filters, timing settings, limits, seed and the cases', () => {
    expect(file.config).toMatchObject({
      mode: 'quick',
      argv,
      backendFilter: ['ts', 'ort-matmul'],
      caseFilter: ['causal+s32', 'none+s32'],
      peers: true,
      settings: { warmup: 1, minRuns: 2 },
      seed: 1,
      window: 128,
      encoderSpecSource: 'built-in',
    });
    expect(file.cases.map((c) => c.id)).toEqual(['attention/none/B1-H8-S32-D64', 'attention/causal/B1-H8-S32-D64']);
    expect(file.engines.map((e) => [e.id, e.kind, e.available])).toEqual([
      ['ts', 'attnkit', true],
      ['ort-matmul', 'peer', true],
    ]);
  });

  it('holds each result with timings, statistics, GFLOP/s, the ratio to the fastest peer and the output check', () => {
    expect(file.results).toHaveLength(4);
    for (const r of file.results) {
      expect(r.status).toBe('ok');
      expect(r.timesMs!.length).toBeGreaterThanOrEqual(2);
      expect(r.stats!.median).toBeGreaterThan(0);
      expect(r.gflops!.useful).toBeGreaterThan(0);
      expect(r.ratio).toBeGreaterThan(0);
    }
    const peer = file.results.find((r) => r.engine === 'ort-matmul' && r.case.includes('causal'))!;
    expect(peer.ratio).toBe(1);
    expect(peer.check).toMatchObject({ reference: 'ts', ok: true });
    const causal = file.results.find((r) => r.engine === 'ts' && r.case.includes('causal'))!;
    expect(causal.gflops!.dense).toBeGreaterThan(causal.gflops!.useful);
  });

  it('names the first field that does not fit', () => {
    expect(() => validateResults({ schema: 'other' })).toThrow(/schema: expected "attnkit-bench\/1"/);
    const broken = JSON.parse(JSON.stringify(file)) as { results: { stats: { median: unknown } }[] };
    broken.results[1]!.stats.median = 'fast';
    expect(() => validateResults(broken)).toThrow('results[1].stats.median: expected a number, got "fast"');
    const orphan = JSON.parse(JSON.stringify(file)) as { results: { engine: string }[] };
    orphan.results[0]!.engine = 'nobody';
    expect(() => validateResults(orphan)).toThrow(/results\[0\]\.engine: expected the id of a listed engine/);
    const noMachine = JSON.parse(JSON.stringify(file)) as { machine: { cores?: unknown } };
    delete noMachine.machine.cores;
    expect(() => validateResults(noMachine)).toThrow('machine.cores: expected a number, got undefined');
  });
});
