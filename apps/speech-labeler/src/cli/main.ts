/**
 * The `speech-labeler` command line: `label FILE.wav`, `eval DIR`, `backends`.
 */
import { writeFileSync } from 'node:fs';
import { cac } from 'cac';
import { formatReport, type Backend } from '@attnkit/core';
import { openWavFile } from '../audio/wav-file.js';
import { WavError } from '../audio/wav-error.js';
import { createNodeRegistry } from '../backends/node-backends.js';
import { evaluateDir } from '../eval/evaluate.js';
import { formatSegments, type OutputFormat } from '../labels/formats.js';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../model/model-node.js';
import { createLabeler, type Labeler, type Timings } from '../pipeline/labeler.js';
import { progressBars } from './progress.js';

interface CommonOptions {
  backend?: string;
  model?: string;
  chunk?: number;
  batch?: number;
  progress?: boolean;
  verbose?: boolean;
}

async function openLabeler(o: CommonOptions): Promise<{ labeler: Labeler; backend: Backend }> {
  const registry = await createNodeRegistry();
  const { backend, report } = await registry.select(o.backend ? { force: o.backend } : {});
  if (o.verbose) process.stderr.write(`${formatReport(report)}\n`);
  const loaded = loadModelFile(o.model ?? DEFAULT_MODEL_PATH);
  const chunk = { ...(o.chunk ? { chunk: Number(o.chunk) } : {}), ...(o.batch ? { batch: Number(o.batch) } : {}) };
  return { labeler: await createLabeler(backend, loaded, chunk), backend };
}

function formatTimings(t: Timings, seconds: number): string {
  const total = t.read + t.features + t.model;
  const f = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
  return `audio ${seconds.toFixed(1)} s labelled in ${f(total)} (${(seconds / (total / 1000)).toFixed(0)}x real time): ` +
    `reading ${f(t.read)}, features ${f(t.features)}, model ${f(t.model)}`;
}

/** The command set; a fresh one per run (cac keeps the state of its last parse). */
function createCli(): ReturnType<typeof cac> {
  const cli = cac('speech-labeler');

  cli
    .command('label <file>', 'Label every 10 ms frame of a WAV file with a broad phone class')
    .option('--backend <name>', 'Backend: onnx, tfjs, ts or webgpu (default: the fastest available)')
    .option('--format <format>', 'Output format: json, textgrid or csv', { default: 'json' })
    .option('-o, --output <path>', 'Write to a file instead of stdout')
    .option('--model <path>', 'model.json of another model', { default: DEFAULT_MODEL_PATH })
    .option('--chunk <frames>', 'Frames per chunk (default 500)')
    .option('--batch <chunks>', 'Chunks per model call (default 8)')
    .option('--timings', 'Print the time spent reading, computing features and running the model (stderr)')
    .option('--no-progress', 'No progress bar')
    .option('--verbose', 'Print the backend selection report (stderr)')
    .action(async (file: string, o: CommonOptions & { format: string; output?: string; timings?: boolean }) => {
      const format = String(o.format).toLowerCase() as OutputFormat;
      if (!['json', 'textgrid', 'csv'].includes(format)) throw new Error(`--format: expected json, textgrid or csv, got "${o.format}"`);
      const stream = openWavFile(file);
      const started = performance.now();
      const { labeler } = await openLabeler(o);
      const bars = progressBars(o.progress !== false && process.stderr.isTTY === true && stream.length > 60 * 16000, 'labelling');
      let result;
      try {
        result = await labeler.label(stream, bars.onProgress);
      } finally {
        bars.stop();
        stream.close();
      }
      const text = formatSegments(result.segments, format, result.duration);
      if (o.output) writeFileSync(o.output, text);
      else process.stdout.write(text);
      if (o.timings) {
        process.stderr.write(`backend ${labeler.backendName}: ${formatTimings(result.timings, result.duration)}; ` +
          `end to end (with start-up) ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
      }
      await labeler.dispose();
    });

  cli
    .command('eval <dir>', 'Score a directory of NAME.wav + NAME.json (reference segments)')
    .option('--backend <name>', 'Backend: onnx, tfjs, ts or webgpu (default: the fastest available)')
    .option('--model <path>', 'model.json of another model', { default: DEFAULT_MODEL_PATH })
    .option('--chunk <frames>', 'Frames per chunk (default 500)')
    .option('--batch <chunks>', 'Chunks per model call (default 8)')
    .option('--no-progress', 'No progress bar')
    .option('--verbose', 'Print the backend selection report and per-file accuracy (stderr)')
    .action(async (dir: string, o: CommonOptions) => {
      const { labeler } = await openLabeler(o);
      const show = o.progress !== false && process.stderr.isTTY === true;
      const r = await evaluateDir(labeler, dir, show ? (i, n, name) => process.stderr.write(`\r[${i + 1}/${n}] ${name.slice(0, 60).padEnd(60)}`) : undefined);
      if (show) process.stderr.write('\r'.padEnd(72) + '\r');
      if (o.verbose) for (const f of r.perFile) process.stderr.write(`${f.name}  ${f.accuracy.toFixed(4)}  (${f.frames} frames)\n`);
      const folded = r.confusion.folded();
      process.stdout.write(
        `${r.files} files, ${r.seconds.toFixed(1)} s of audio, ${r.confusion.total} frames; backend ${labeler.backendName}; ${formatTimings(r.timings, r.seconds)}\n\n` +
          `${r.confusion.format()}\n\n` +
          `4 classes (silence, vowel, voiced consonant, unvoiced consonant): frame accuracy ${folded.accuracy.toFixed(4)}\n` +
          `frame accuracy: ${r.confusion.accuracy.toFixed(4)}\n`,
      );
      await labeler.dispose();
    });

  cli
    .command('backends', 'List the backends and which would be chosen')
    .action(async () => {
      const registry = await createNodeRegistry();
      try {
        const { backend, report } = await registry.select();
        process.stdout.write(`${formatReport(report)}\n`);
        await backend.dispose();
      } catch (e) {
        process.stdout.write(`${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });

  cli.help();
  return cli;
}

/** Runs the CLI on `argv` (as `process.argv`). */
export async function main(argv: string[] = process.argv): Promise<void> {
  const cli = createCli();
  try {
    cli.parse(argv, { run: false });
    if (cli.options.help) return; // cac has printed the help
    if (!cli.matchedCommand) {
      if (argv.length > 2) throw new Error(`unknown command "${argv[2]}"; see speech-labeler --help`);
      cli.outputHelp();
      return;
    }
    await cli.runMatchedCommand();
  } catch (e) {
    const msg = e instanceof WavError ? `error: ${e.message}` : `error: ${(e as Error).message}`;
    process.stderr.write(`${msg}\n`);
    process.exitCode = 1;
  }
}
