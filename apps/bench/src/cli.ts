#!/usr/bin/env node
/**
 * attnkit-bench: the cross-backend benchmark (default command) and its dashboard (`serve`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, relative, resolve } from 'node:path';
import { cac } from 'cac';
import { hideNegatedDefaults } from './cli-options.js';
import { describeCase } from './cases.js';
import { planRun, type RunOptions } from './config.js';
import { loadEncoderSpec } from './encoder-spec-file.js';
import { nodeCatalog } from './engines/catalog-node.js';
import { processLauncher, relaxedSimdFlags } from './launcher.js';
import { formatMachine } from './format.js';
import { describeMachine } from './machine.js';
import { progressReporter } from './progress.js';
import { runBenchmark } from './runner.js';
import { serveDashboard } from './serve.js';
import { stringifyResults } from './results.js';
import { formatCaseTables, formatRatioMatrix } from './table.js';

const cli = cac('attnkit-bench');

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

async function run(
  options: RunOptions & { json?: string; list?: boolean; encoderSpec?: string; relaxedSimd?: boolean },
): Promise<void> {
  const encoder = loadEncoderSpec(options.encoderSpec);
  const plan = planRun(options, nodeCatalog(), encoder, process.argv.slice(2), os.totalmem());
  if (options.list) {
    console.log('engines:');
    for (const e of plan.engines)
      console.log(`  ${e.id.padEnd(18)} ${e.kind === 'peer' ? 'peer   ' : 'attnkit'}  ${e.description}`);
    console.log(`cases (${plan.config.mode}):`);
    for (const c of plan.cases) console.log(`  ${c.id.padEnd(40)} ${describeCase(c)}`);
    return;
  }
  const { settings } = plan.config;
  console.error(
    `attnkit bench (${plan.config.mode}): ${plan.cases.length} cases × ${plan.engines.length} engines; warm-up ≥${settings.warmup} run and ≥${settings.warmupMs} ms, ${settings.minRuns}-${settings.maxRuns} timed runs (≥${settings.minTimeMs} ms) per job, at most ${plan.limits.maxRunMs / 1000} s per run${plan.limits.engineBudgetMs ? ` and ${plan.limits.engineBudgetMs / 1000} s per engine` : ''}`,
  );
  console.error(`encoder: ${encoder.source}`);
  const nodeFlags = options.relaxedSimd ? relaxedSimdFlags(process.version) : [];
  if (options.relaxedSimd)
    console.error(
      nodeFlags.length > 0
        ? `job processes start with ${nodeFlags.join(' ')} (Node ${process.version} needs it for relaxed SIMD)`
        : `--relaxed-simd: Node ${process.version} has relaxed SIMD on already; no flag added`,
    );
  const progress = progressReporter();
  const timeoutMs = Math.max(180_000, 4 * (settings.maxTimeMs + plan.limits.maxRunMs * (settings.warmup + 1)));
  const started = performance.now();
  const file = await runBenchmark(
    {
      ...plan,
      launch: processLauncher({ timeoutMs, nodeFlags }),
      describeMachine: (engines) => describeMachine(engines, nodeFlags),
    },
    progress,
  );
  progress.stop();
  const out = resolve(options.json ?? `bench-results/bench-${timestamp()}.json`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, stringifyResults(file));
  console.log(`\n${formatCaseTables(file)}\n`);
  console.log(
    'Median time relative to the fastest peer on the same case (lower is better; "!" marks an output that differs):',
  );
  console.log(formatRatioMatrix(file));
  for (const e of file.engines.filter((x) => !x.available))
    console.log(`not available: ${e.id}: ${e.reason ?? 'no reason given'}`);
  console.log(`\nmachine: ${formatMachine(file.machine)}`);
  console.log(
    `finished in ${((performance.now() - started) / 1000).toFixed(0)} s; results: ${relative(process.cwd(), out) || out}`,
  );
  console.log(
    `dashboard: pnpm bench serve ${relative(process.cwd(), out)}   (from the repository root; then open the printed address)`,
  );
  if (file.results.some((r) => r.check && !r.check.ok)) process.exitCode = 1;
}

const runCommand = cli
  .command('', 'Run the benchmark (quick by default) and write a results file')
  .usage('[options]          run the benchmark\n  $ attnkit-bench serve [files...]   serve the dashboard')
  .option('--full', 'The whole matrix: S 128..16384 for each mask, heads, head sizes, batches, encoder lengths')
  .option(
    '--backend <list>',
    'Engines to run: ids (ts, onnx, tfjs-wasm, tfjs-cpu, webgpu, ort-matmul, ort-attention, ortweb-wasm, ortweb-wasm-mha, ortweb-wasm-gqa, ortweb-wasm-matmul, tfjs-wasm-ops, tfjs-cpu-ops) or the groups attnkit, peers; peers are added unless named or --no-peers',
  )
  .option('--no-peers', 'Run no peer (then there are no ratios; peers run by default)')
  .option(
    '--case <terms>',
    'Cases to run: words such as none, causal, window, encoder, s2048, h8, d64, b1; a,b = either, a+b = both',
  )
  .option('--seq <list>', 'Sequence lengths of the attention sweeps over S (e.g. 128,1024)')
  .option('--window <n>', 'Keys on each side for window masks', { default: 128 })
  .option('--json <file>', 'Where to write the results (default: bench-results/bench-<time>.json)')
  .option(
    '--max-run-time <seconds>',
    'Longest single run: jobs estimated at over twice this are skipped, a run over it (the first: 3 times it) stops its job (quick: 2, full: 60)',
  )
  .option(
    '--engine-budget <seconds>',
    'Wall time each engine may spend on its jobs; later cases are skipped (quick: 15, full: none; 0: none)',
  )
  .option('--max-memory <GiB>', 'Skip jobs known to need more memory (quick: 4, full: 8, at most a third of RAM)')
  .option('--runs <n>', 'Minimum timed runs per job')
  .option('--warmup <n>', 'Warm-up runs per job (instead of warming up for a fixed time)')
  .option('--seed <n>', 'Seed of the inputs and weights', { default: 1 })
  .option('--encoder-spec <file>', "Model spec JSON of the encoder case (default: the speech labeler's, if committed)")
  .option(
    '--relaxed-simd',
    "Start the job processes with Node 20's --experimental-wasm-relaxed-simd, as a Node 20 user who passes it runs (Node 22 and later have relaxed SIMD on; the flag is then not added)",
  )
  .option('--list', 'List the engines and cases that would run, and exit')
  .action(run);
// cac gives `--no-peers` the default `true` (of `peers`) and prints it after the negated flag.
hideNegatedDefaults(runCommand);

cli
  .command('serve [...files]', 'Serve the dashboard on 127.0.0.1 with these results files loaded')
  .option('--port <port>', 'Port (0: any free port)', { default: 5178 })
  .action(async (files: string[], options: { port: number }) => {
    const server = await serveDashboard({ port: Number(options.port), files: files.map((f) => resolve(f)) });
    console.log(`dashboard: ${server.url}`);
    console.log('press Ctrl+C to stop');
  });

cli.help();
try {
  cli.parse(process.argv, { run: false });
  await cli.runMatchedCommand();
} catch (e) {
  console.error(`attnkit-bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 2;
}
