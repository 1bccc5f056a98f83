/**
 * Progress on the terminal: a bar (cli-progress) on a TTY, one line per finished job otherwise (logs, CI).
 */
import cliProgress from 'cli-progress';
import { describeCase } from './cases.js';
import { fmtMs } from './format.js';
import type { RunnerEvents } from './runner.js';

/** Runner events that draw progress on `stream`; call `stop()` at the end. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): RunnerEvents & { stop(): void } {
  const tty = stream.isTTY === true;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          stream,
          format: ' {bar} {value}/{total} jobs | {engine} on {case} {runs}',
          barsize: 24,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let started = false;
  return {
    onProbe(e) {
      const line = `${e.available ? 'available  ' : 'unavailable'} ${e.id.padEnd(14)} ${e.kind === 'peer' ? '(peer) ' : ''}${e.reason ?? ''}`;
      stream.write(`${line}\n`);
    },
    onJobStart(engine, c, index, total) {
      if (!bar) return;
      if (!started) {
        bar.start(total, index, { engine, case: describeCase(c), runs: '' });
        started = true;
      } else {
        bar.update(index, { engine, case: describeCase(c), runs: '' });
      }
    },
    onJobProgress(done, phase) {
      bar?.update({ runs: phase === 'warmup' ? `(warm-up ${done})` : `(run ${done})` });
    },
    onJobEnd(r, c, index, total) {
      if (bar) {
        bar.update(index + 1);
        return;
      }
      const what =
        r.status === 'ok' ? `${fmtMs(r.stats!.median)} (${r.stats!.n} runs)` : `${r.status}: ${r.reason ?? ''}`;
      stream.write(`[${index + 1}/${total}] ${r.engine} on ${describeCase(c)}: ${what}\n`);
    },
    stop() {
      bar?.stop();
    },
  };
}
