/** Progress bars on stderr (cli-progress) for long files; silent when stderr is not a terminal. */
import cliProgress from 'cli-progress';
import type { ProgressFn } from '../pipeline/labeler.js';

/** A progress callback drawing one bar per stage, and a function to close it. */
export function progressBars(enabled: boolean, label: string): { onProgress: ProgressFn | undefined; stop(): void } {
  if (!enabled) return { onProgress: undefined, stop() {} };
  const multi = new cliProgress.MultiBar(
    {
      format: `${label} {stage} [{bar}] {percentage}% | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const bars = new Map<string, cliProgress.SingleBar>();
  return {
    onProgress(stage, done, total) {
      let bar = bars.get(stage);
      if (!bar) {
        bar = multi.create(total, 0, { stage: stage === 'audio' ? 'audio + features' : 'model           ' });
        bars.set(stage, bar);
      }
      bar.update(done);
    },
    stop: () => multi.stop(),
  };
}

/** One progress bar over many files, weighted by their length in samples. */
export interface FilesProgress {
  /** Starts the next file, of `samples` samples; returns its progress callback. */
  start(samples: number): ProgressFn | undefined;
  /** Marks the current file as done (labelled or failed). */
  done(): void;
  /** Writes a line to stderr (above the bar while it shows). */
  readonly log: (line: string) => void;
  stop(): void;
}

/** The share of a file's work in its first pass (statistics), the rest being the second (model). */
const FIRST_PASS = 0.3;

/**
 * A single bar for a run over `files` files of `totalSamples` samples in all: the fraction of the audio
 * labelled and the count of files done. Without `enabled` it only writes the log lines.
 */
export function filesProgress(enabled: boolean, totalSamples: number, files: number, label: string): FilesProgress {
  if (!enabled)
    return {
      start: () => undefined,
      done() {},
      log: (line) => void process.stderr.write(line),
      stop() {},
    };
  const multi = new cliProgress.MultiBar(
    {
      format: `${label} [{bar}] {percentage}% | {files}/${files} files | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const scale = 1000;
  const bar = multi.create(scale, 0, { files: 0 });
  let before = 0,
    current = 0,
    finished = 0;
  const total = Math.max(1, totalSamples);
  const show = (fraction: number): void =>
    bar.update(Math.min(scale, Math.round(((before + fraction * current) / total) * scale)), { files: finished });
  return {
    start(samples) {
      current = samples;
      show(0);
      return (stage, d, n) => show(stage === 'audio' ? FIRST_PASS * (d / n) : FIRST_PASS + (1 - FIRST_PASS) * (d / n));
    },
    done() {
      before += current;
      current = 0;
      finished++;
      show(0);
    },
    log: (line) => multi.log(line),
    stop: () => multi.stop(),
  };
}
