/**
 * Training with PyTorch (`scripts/train_torch.py`, CPU): this side computes the features with the
 * labeller's own code, writes them as bundles, runs the script, and reads back the weights under attnkit's
 * names. The caller then runs the compiled attnkit model on the script's check utterances and refuses
 * weights whose logits differ (`train.ts`): the trained function and the shipped one are the same.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelSpec, Tensor } from '@attnkit/core';
import type { Example } from './dataset.js';

/** The Python script, beside this package's `dist/`. */
export const TRAIN_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/train_torch.py');

/**
 * The Debian packages training needs: PyTorch, and OpenBLAS (Debian's torch links the system BLAS, which
 * is the reference BLAS unless an optimised one is installed: about 10× slower matrix products).
 */
export const TRAINING_APT_PACKAGES = ['python3-torch', 'libopenblas0-pthread'] as const;

const missingPackages = (): string[] =>
  TRAINING_APT_PACKAGES.filter((p) => spawnSync('dpkg', ['-s', p], { stdio: 'ignore' }).status !== 0);

const hasTorch = (py: string): boolean =>
  spawnSync(py, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

/**
 * A Python that imports torch: `$PYTHON` if set, else the first of `python3` on the PATH and Debian's
 * `/usr/bin/python3`. As root, missing {@link TRAINING_APT_PACKAGES} are installed with apt-get first;
 * otherwise the exact command is printed (and, without torch, thrown).
 */
export function findTorchPython(log: (line: string) => void = () => {}): string {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['python3', '/usr/bin/python3'];
  const command = `sudo apt-get update && sudo apt-get install -y ${TRAINING_APT_PACKAGES.join(' ')}`;
  const missing = process.env.PYTHON ? [] : missingPackages();
  if (missing.length > 0) {
    if (process.getuid?.() === 0) {
      log(`installing ${missing.join(' ')} (apt-get)`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
      const r = spawnSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
      if (r.status !== 0) throw new Error(`apt-get install ${missing.join(' ')} failed (exit ${r.status})`);
    } else {
      log(`missing Debian packages ${missing.join(' ')}: ${command}`);
    }
  }
  for (const py of candidates) if (hasTorch(py)) return py;
  throw new Error(
    `training with --engine torch needs PyTorch and numpy for ${candidates.join(' or ')}: ${command} ` +
      `(or set PYTHON to a python that has them)`,
  );
}

/** Writes examples as a bundle: `features.f32` (`[frames, F]`), `labels.u8`, `index.json`. */
export function writeBundle(dir: string, examples: readonly Example[], bands: number): void {
  mkdirSync(dir, { recursive: true });
  const total = examples.reduce((a, e) => a + e.frames, 0);
  const features = new Float32Array(total * bands);
  const labels = new Uint8Array(total);
  let at = 0;
  for (const e of examples) {
    features.set(e.features, at * bands);
    labels.set(e.labels, at);
    at += e.frames;
  }
  writeFileSync(join(dir, 'features.f32'), new Uint8Array(features.buffer));
  writeFileSync(join(dir, 'labels.u8'), labels);
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify({ bands, names: examples.map((e) => e.name), frames: examples.map((e) => e.frames) }),
  );
}

/** Options of {@link trainWithTorch}. */
export interface TorchTrainOptions {
  readonly spec: ModelSpec;
  /** Bundle directories to train on. */
  readonly data: readonly string[];
  /** A bundle scored during training (never trained on). */
  readonly dev?: string;
  /** A bundle whose logits the script writes after training, for the caller to compare. */
  readonly check: string;
  /** Where the script writes its outputs. */
  readonly work: string;
  /** Further `--name value` arguments for the script. */
  readonly args: Readonly<Record<string, string | number>>;
  readonly log: (line: string) => void;
}

/** What the script produced. */
export interface TorchTrainResult {
  readonly weights: Map<string, Tensor>;
  /** Logits `[T, C]` of each utterance of the check bundle, in order, as torch computed them. */
  readonly checks: { readonly logits: Float32Array; readonly frames: number }[];
  readonly seconds: number;
  readonly torch: string;
  readonly threads: number;
}

/** Runs the script (its progress goes to `log`) and reads its outputs. */
export async function trainWithTorch(o: TorchTrainOptions): Promise<TorchTrainResult> {
  const python = findTorchPython(o.log);
  mkdirSync(o.work, { recursive: true });
  const specPath = join(o.work, 'spec.json');
  writeFileSync(specPath, JSON.stringify(o.spec));
  const args = [TRAIN_SCRIPT, '--spec', specPath, '--out', o.work, '--check', o.check, '--data', ...o.data];
  if (o.dev) args.push('--dev', o.dev);
  for (const [k, v] of Object.entries(o.args)) args.push(`--${k}`, String(v));
  await new Promise<void>((res, rej) => {
    // torch's own threads do the work; OpenBLAS threads on top of them only contend for the same cores.
    const env = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
    const child = spawn(python, args, { stdio: ['ignore', 'inherit', 'pipe'], env });
    let tail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-4000);
      for (const line of chunk.split('\n')) if (line.trim()) o.log(line);
    });
    child.on('error', rej);
    child.on('close', (code) =>
      code === 0 ? res() : rej(new Error(`${python} ${TRAIN_SCRIPT} exited with ${code}:\n${tail}`)),
    );
  });
  const summary = JSON.parse(readFileSync(join(o.work, 'weights.json'), 'utf8')) as {
    weights: { name: string; shape: number[]; offset: number }[];
    checks: { frames: number }[];
    seconds: number;
    torch: string;
    threads: number;
  };
  const raw = readFileSync(join(o.work, 'weights.f32'));
  const all = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const weights = new Map<string, Tensor>();
  for (const w of summary.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    weights.set(w.name, { shape: w.shape, data: all.slice(w.offset, w.offset + n) });
  }
  const c = readFileSync(join(o.work, 'check.f32'));
  const logits = new Float32Array(c.buffer.slice(c.byteOffset, c.byteOffset + c.byteLength));
  const classes = (o.spec.output as { classes: number }).classes;
  let at = 0;
  const checks = summary.checks.map((k) => {
    const part = { frames: k.frames, logits: logits.slice(at, at + k.frames * classes) };
    at += k.frames * classes;
    return part;
  });
  return { weights, checks, seconds: summary.seconds, torch: summary.torch, threads: summary.threads };
}
