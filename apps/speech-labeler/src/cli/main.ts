/**
 * The `speech-labeler` command line: `label INPUT...`, `eval DIR...`, `backends`, `serve`.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cac } from 'cac';
import { formatReport, type Backend } from '@attnkit/core';
import { WavError } from '../audio/wav-error.js';
import { createNodeRegistry } from '../backends/node-backends.js';
import { evaluateDir, poolResults, type EvalResult } from '../eval/evaluate.js';
import type { OutputFormat } from '../labels/formats.js';
import { DEFAULT_MODEL_PATH, loadModelFile } from '../model/model-node.js';
import { fileFrameSpool } from './frame-spool-file.js';
import { createLabeler, DEFAULT_CHUNK, type Labeler, type ModelDtype } from '../pipeline/labeler.js';
import { formatTimings } from './format-timings.js';
import { labelCommand } from './label-command.js';
import { filesProgress } from './progress.js';

/** cac lists a negated option's default (`--no-progress ... (default: true)`), which reads backwards. */
function dropNegatedDefaults(sections: { title?: string; body: string }[]): { title?: string; body: string }[] {
  return sections.map((s) => ({ ...s, body: s.body.replace(/^(\s*--no-[\w-]+.*?) \(default: true\)$/gm, '$1') }));
}

interface CommonOptions {
  backend?: string;
  model?: string;
  chunk?: number;
  batch?: number;
  progress?: boolean;
  verbose?: boolean;
  dtype?: string;
}

const DTYPE_HELP =
  'Precision of the model weights: float32, or float16 (half the memory; backends with models:float16: onnx, ts, webgpu; tfjs is refused)';

/** The `--dtype` value, checked. */
function parseDtype(value: string | undefined): ModelDtype {
  const d = String(value ?? 'float32').toLowerCase();
  if (d !== 'float32' && d !== 'float16') throw new Error(`--dtype: expected float32 or float16, got "${value}"`);
  return d;
}

async function openLabeler(o: CommonOptions): Promise<{ labeler: Labeler; backend: Backend }> {
  const dtype = parseDtype(o.dtype);
  const registry = await createNodeRegistry();
  // float16 without --backend: the fastest backend that has models:float16. A named one that lacks it is
  // refused by createLabeler, with the backend and the feature named.
  const { backend, report } = await registry.select(
    o.backend ? { force: o.backend } : dtype === 'float16' ? { require: ['models:float16'] } : {},
  );
  if (o.verbose) process.stderr.write(`${formatReport(report)}\n`);
  const loaded = loadModelFile(o.model ?? DEFAULT_MODEL_PATH);
  const chunk = { ...(o.chunk ? { chunk: Number(o.chunk) } : {}), ...(o.batch ? { batch: Number(o.batch) } : {}) };
  const bands = loaded.file.features.bands;
  try {
    const spool = () => fileFrameSpool(bands);
    return { labeler: await createLabeler(backend, loaded, chunk, { spool, dtype }), backend };
  } catch (e) {
    await backend.dispose();
    throw e;
  }
}

/** The command set; a fresh one per run (cac keeps the state of its last parse). */
function createCli(): ReturnType<typeof cac> {
  const cli = cac('speech-labeler');

  cli
    .command('label <...inputs>', 'Label every 10 ms frame of WAV files with a broad phone class')
    .usage(
      'label INPUT...   (INPUT: a WAV file, or a folder meaning every .wav in it, sorted; several inputs give one result per file, see --format and -o)',
    )
    .option('--backend <name>', 'Backend: onnx, tfjs, ts or webgpu (default: the fastest available)')
    .option(
      '--format <format>',
      'Output format: json, textgrid or csv. Several inputs (or a folder): json gives one {"file","segments"} object per line, csv a file column, textgrid needs -o',
      { default: 'json' },
    )
    .option(
      '-o, --output <path>',
      'Write to a file instead of stdout; with several inputs, a folder of NAME.json/.csv/.TextGrid, one per input',
    )
    .option('--beside', 'Write each output beside its input: NAME.wav gives NAME.json, NAME.csv or NAME.TextGrid')
    .option('--model <path>', 'model.json of another model', { default: DEFAULT_MODEL_PATH })
    .option('--dtype <dtype>', DTYPE_HELP, { default: 'float32' })
    .option('--chunk <frames>', `Frames per chunk (default ${DEFAULT_CHUNK.chunk})`)
    .option('--batch <chunks>', `Chunks per model call (default ${DEFAULT_CHUNK.batch})`)
    .option('--timings', 'Print the time spent reading, computing features and running the model (stderr)')
    .option('--no-progress', 'No progress bar (one bar over all the inputs shows on a terminal)')
    .option('--verbose', 'Print the backend selection report (stderr)')
    .action(
      async (
        inputs: string[],
        o: CommonOptions & { format: string; output?: string; beside?: boolean; timings?: boolean },
      ) => {
        const format = String(o.format).toLowerCase() as OutputFormat;
        if (!['json', 'textgrid', 'csv'].includes(format))
          throw new Error(`--format: expected json, textgrid or csv, got "${o.format}"`);
        const options = {
          format,
          progress: o.progress !== false,
          ...(o.output ? { output: String(o.output) } : {}),
          ...(o.beside ? { beside: true } : {}),
          ...(o.timings ? { timings: true } : {}),
        };
        const code = await labelCommand(inputs, options, async () => (await openLabeler(o)).labeler);
        if (code !== 0) process.exitCode = code;
      },
    );

  cli
    .command(
      'eval <...dirs>',
      'Score directories of NAME.wav + NAME.json (reference segments); several are pooled, frame by frame',
    )
    .option('--backend <name>', 'Backend: onnx, tfjs, ts or webgpu (default: the fastest available)')
    .option('--model <path>', 'model.json of another model', { default: DEFAULT_MODEL_PATH })
    .option('--dtype <dtype>', DTYPE_HELP, { default: 'float32' })
    .option('--chunk <frames>', `Frames per chunk (default ${DEFAULT_CHUNK.chunk})`)
    .option('--batch <chunks>', `Chunks per model call (default ${DEFAULT_CHUNK.batch})`)
    .option('--no-progress', 'No progress bar (one bar over the files shows on a terminal)')
    .option('--verbose', 'Print the backend selection report and per-file accuracy (stderr)')
    .action(async (dirs: string[], o: CommonOptions) => {
      const { labeler } = await openLabeler(o);
      const show = o.progress !== false && process.stderr.isTTY === true;
      const results: { dir: string; r: EvalResult }[] = [];
      try {
        for (const dir of dirs) {
          let bar: ReturnType<typeof filesProgress> | undefined;
          const r = await evaluateDir(labeler, dir, {
            onFile: (i: number, n: number) => {
              bar ??= filesProgress(show, n, n, dirs.length > 1 ? `scoring ${dir}` : 'scoring');
              if (i > 0) bar.done();
              bar.start(1);
            },
            onFailure: (_file, message) =>
              bar ? bar.log(`error: ${message}\n`) : process.stderr.write(`error: ${message}\n`),
          });
          bar?.stop();
          if (r.files === 0)
            throw new Error(`${dir}: none of the ${r.files + r.failures.length} files could be scored`);
          results.push({ dir, r });
        }
      } finally {
        await labeler.dispose();
      }
      const pooled = poolResults(results.map(({ r }) => r));
      const { confusion, timings, files, seconds } = pooled;
      const failures = pooled.failures.length;
      if (o.verbose)
        for (const f of pooled.perFile)
          process.stderr.write(`${f.name}  ${f.accuracy.toFixed(4)}  (${f.frames} frames)\n`);
      const folded = confusion.folded();
      // With several folders, each one's own figure first; the matrix and the last line pool every frame.
      const each =
        results.length > 1
          ? `${results.map(({ dir, r }) => `${dir}: ${r.files} files, ${r.confusion.total} frames, frame accuracy ${r.confusion.accuracy.toFixed(4)}`).join('\n')}\n\n`
          : '';
      process.stdout.write(
        `${each}${files} files, ${seconds.toFixed(1)} s of audio, ${confusion.total} frames; backend ${labeler.backendName}${labeler.dtype === 'float16' ? ' (float16 weights)' : ''}; ${formatTimings(timings, seconds)}\n\n` +
          `${confusion.format()}\n\n` +
          `4 classes (silence, vowel, voiced consonant, unvoiced consonant): frame accuracy ${folded.accuracy.toFixed(4)}\n` +
          `frame accuracy: ${confusion.accuracy.toFixed(4)}\n`,
      );
      if (failures > 0) {
        process.stderr.write(
          `error: ${failures} of ${files + failures} files could not be scored; the results are those of the other ${files}\n`,
        );
        process.exitCode = 1;
      }
    });

  cli.command('backends', 'List the backends and which would be chosen').action(async () => {
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

  cli
    .command('serve', 'Build the web page and serve it on 127.0.0.1 (Ctrl-C to stop)')
    .option('--port <port>', 'Port to listen on (0: any free port)', { default: 8080 })
    .option('--no-build', 'Serve web-dist/ as it is, without building the page first')
    .action(async (o: { port: number | string; build?: boolean }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port: expected an integer from 0 to 65535, got "${o.port}"`);
      const { serveStatic, WEB_ROOT } = await import('../serve/static-server.js');
      if (o.build !== false) {
        const script = join(dirname(fileURLToPath(import.meta.url)), '../../scripts/build-web.mjs');
        const built = spawnSync(process.execPath, [script], { stdio: 'inherit' });
        if (built.status !== 0) throw new Error(`building the page failed (${script} exited ${built.status})`);
      }
      const { url } = await serveStatic(WEB_ROOT, port);
      process.stdout.write(`speech-labeler page at ${url} (Ctrl-C to stop)\n`);
    });

  cli.help(dropNegatedDefaults);
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
