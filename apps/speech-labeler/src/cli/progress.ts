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
