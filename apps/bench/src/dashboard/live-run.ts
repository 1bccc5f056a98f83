/**
 * "Run in this browser": the browser engines run the chosen preset live in the page, one job after the
 * other, with the same timing loop, limits, ratios and output checks as the command line; the outcome is
 * a results file (`source: 'browser'`) that the page adds to its charts. Memory is not measured here.
 */
import { spec as encoderSpec, source as encoderSource } from 'attnkit:encoder-spec';
import { attentionCase, encoderCase, type BenchCase } from '../cases.js';
import type { EngineDescriptor } from '../engine.js';
import { RunLedger } from '../gates.js';
import { assembleFile, gatedJob } from '../job-result.js';
import { runJob } from '../job.js';
import type { MeasureSettings } from '../measure.js';
import type { BenchResult, EngineEntry, ResultsFile } from '../results.js';

/** Sizes of an in-browser run. */
export type Preset = 'tiny' | 'quick' | 'gpu';

/** The cases of a preset. */
export function presetCases(preset: Preset): BenchCase[] {
  if (preset === 'tiny') {
    const base = { batch: 1, heads: 2, headDim: 16 };
    return [
      attentionCase({ ...base, seq: 32, mask: 'none' }, 'seq'),
      attentionCase({ ...base, seq: 64, mask: 'none' }, 'seq'),
      attentionCase({ ...base, seq: 64, mask: 'causal' }, 'seq'),
      // float16 in and out: the attnkit backends, ortweb-wasm, and ortweb-webgpu where the adapter has shader-f16.
      attentionCase({ ...base, seq: 64, mask: 'causal', dtype: 'float16' }, 'float16'),
      attentionCase({ ...base, heads: 4, kvHeads: 2, qLength: 1, seq: 64, mask: 'none' }, 'decode'),
      encoderCase(encoderSpec, encoderSource, 32),
    ];
  }
  if (preset === 'gpu') {
    // WebGPU against its peers at the sizes where a GPU starts to pay (B1 H4 D64, S = 128-1024), and the encoder.
    const base = { batch: 1, heads: 4, headDim: 64 };
    return [
      ...[128, 256, 512, 1024].map((seq) => attentionCase({ ...base, seq, mask: 'none' }, 'seq')),
      encoderCase(encoderSpec, encoderSource, 500),
    ];
  }
  const base = { batch: 1, heads: 8, headDim: 64 };
  return [
    ...[32, 64, 128, 512, 1024].map((seq) => attentionCase({ ...base, seq, mask: 'none' }, 'seq')),
    attentionCase({ ...base, seq: 1024, mask: 'causal' }, 'seq'),
    attentionCase({ ...base, seq: 1024, mask: 'window', window: 128 }, 'seq'),
    attentionCase({ ...base, seq: 1024, mask: 'causal', dtype: 'float16' }, 'float16'),
    ...[8, 32].map((kvHeads) =>
      attentionCase({ batch: 1, heads: 32, kvHeads, qLength: 1, seq: 1024, headDim: 128, mask: 'none' }, 'decode'),
    ),
    encoderCase(encoderSpec, encoderSource, 500),
  ];
}

/**
 * Timing settings and limits of each preset. The tiny preset checks that every engine runs here, however
 * slowly (a software GPU adapter compiling its shaders), so its per-run limit is generous; so is the gpu
 * preset's, whose larger cases take seconds a run on a software adapter.
 */
const PRESETS: Record<Preset, { settings: MeasureSettings; limits: { maxRunMs: number; maxBytes: number } }> = {
  tiny: {
    settings: {
      warmup: 1,
      warmupMs: 100,
      maxWarmupMs: 1000,
      settleRuns: 3,
      minRuns: 3,
      maxRuns: 10,
      minTimeMs: 100,
      maxTimeMs: 3000,
      maxRunMs: 10000,
    },
    limits: { maxRunMs: 10000, maxBytes: 2 ** 30 },
  },
  quick: {
    settings: {
      warmup: 1,
      warmupMs: 200,
      maxWarmupMs: 1000,
      settleRuns: 3,
      minRuns: 3,
      maxRuns: 10,
      minTimeMs: 250,
      maxTimeMs: 3000,
      maxRunMs: 2000,
    },
    limits: { maxRunMs: 2000, maxBytes: 2 * 2 ** 30 },
  },
  gpu: {
    settings: {
      warmup: 1,
      warmupMs: 200,
      maxWarmupMs: 2000,
      settleRuns: 2,
      minRuns: 3,
      maxRuns: 10,
      minTimeMs: 250,
      maxTimeMs: 8000,
      maxRunMs: 15000,
    },
    limits: { maxRunMs: 15000, maxBytes: 2 * 2 ** 30 },
  },
};

/** What the run reports while it goes. */
export interface LiveProgress {
  readonly done: number;
  readonly total: number;
  readonly text: string;
}

const nextFrame = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

/** Runs `engines` (chosen from `catalog`) on the preset's cases in this page. */
export async function runInBrowser(
  catalog: readonly EngineDescriptor[],
  engineIds: readonly string[],
  preset: Preset,
  onProgress: (p: LiveProgress) => void,
): Promise<ResultsFile> {
  const chosen = catalog.filter((d) => engineIds.includes(d.id));
  const { settings: SETTINGS, limits: LIMITS } = PRESETS[preset];
  const cases = presetCases(preset);
  const entries: EngineEntry[] = [];
  for (const d of chosen) {
    onProgress({ done: 0, total: 1, text: `probing ${d.id}…` });
    let probe;
    try {
      probe = await (await d.load()).probe();
    } catch (e) {
      probe = { available: false, reason: e instanceof Error ? e.message : String(e) };
    }
    entries.push({
      id: d.id,
      kind: d.kind,
      description: d.description,
      available: probe.available,
      ...(probe.reason ? { reason: probe.reason } : {}),
    });
  }
  const available = chosen.filter((d) => entries.find((e) => e.id === d.id)!.available);
  const total = available.length * cases.length;
  const ledger = new RunLedger();
  const results: BenchResult[] = [];
  let done = 0;
  for (const c of cases) {
    for (const d of available) {
      onProgress({ done, total, text: `${d.id} on ${c.id}` });
      await nextFrame();
      const { result } = await gatedJob(d, c, ledger, LIMITS, async () => ({
        outcome: await runJob(await d.load(), c, SETTINGS, 1, () => performance.now(), {
          onRun: (n, phase) =>
            onProgress({ done, total, text: `${d.id} on ${c.id} (${phase === 'warmup' ? 'warm-up' : 'run'} ${n})` }),
        }),
      }));
      results.push(result);
      done++;
    }
  }
  onProgress({ done, total, text: 'done' });
  const nav = navigator as Navigator & { deviceMemory?: number };
  return assembleFile({
    source: 'browser',
    machine: {
      platform: nav.platform || 'browser',
      arch: '',
      os: nav.platform || '',
      cpu: 'unknown (browser)',
      cores: nav.hardwareConcurrency ?? 0,
      memoryBytes: (nav.deviceMemory ?? 0) * 2 ** 30,
      node: null,
      userAgent: nav.userAgent,
      adapters: entries.filter((e) => e.id === 'webgpu' && e.available && e.reason).map((e) => e.reason!),
    },
    config: {
      mode: 'browser',
      argv: [`preset=${preset}`],
      backendFilter: [...engineIds],
      caseFilter: [],
      peers: chosen.some((d) => d.kind === 'peer'),
      settings: SETTINGS,
      maxRunMs: LIMITS.maxRunMs,
      maxBytes: LIMITS.maxBytes,
      seed: 1,
      window: 128,
      encoderSpecSource: encoderSource,
    },
    engines: entries,
    cases,
    results,
  });
}
