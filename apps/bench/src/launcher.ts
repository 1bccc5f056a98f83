/**
 * Starting workers: each probe and each job runs in a fresh Node process (`worker.ts`), so that a job's
 * peak memory is its own and a crash or an out-of-memory kill takes only that job down.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EngineDescriptor } from './engine.js';
import { COLD_FACTOR } from './measure.js';
import { handleRequest } from './worker-handler.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

/** Runs one request; `onProgress` hears the worker's progress messages. Never rejects for a worker failure. */
export type Launcher = (
  req: WorkerRequest,
  onProgress?: (done: number, phase: 'warmup' | 'timed') => void,
) => Promise<WorkerReply>;

/** Extra time the watchdog allows beyond the per-run limit (messages, timer slack). */
const WATCHDOG_GRACE_MS = 1000;

/** Options of the process launcher. */
export interface ProcessLauncherOptions {
  /** The worker module; default: `worker.js` beside this file. */
  readonly workerPath?: string;
  /** Milliseconds after which a job's worker is killed. */
  readonly timeoutMs: number;
  /** Node options each worker starts with besides `--expose-gc` (e.g. {@link RELAXED_SIMD_FLAG}). */
  readonly nodeFlags?: readonly string[];
}

/** The V8 flag that turns relaxed SIMD on in Node 20 (Node 22 and later have it on, without the flag). */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

/**
 * The Node options that `--relaxed-simd` adds for Node `version` (e.g. `v20.20.2`): the flag where Node
 * needs it (before 22), none where relaxed SIMD is already on.
 */
export function relaxedSimdFlags(version: string): string[] {
  const major = Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
  return major > 0 && major < 22 ? [RELAXED_SIMD_FLAG] : [];
}

function failure(req: WorkerRequest, reason: string): WorkerReply {
  return req.type === 'probe'
    ? { type: 'probe', probe: { available: false, reason } }
    : { type: 'job', outcome: { status: 'failed', reason } };
}

/** The launcher that forks one worker process per request. */
export function processLauncher(options: ProcessLauncherOptions): Launcher {
  const workerPath = options.workerPath ?? fileURLToPath(new URL('./worker.js', import.meta.url));
  return (req, onProgress) =>
    new Promise((resolve) => {
      const child = fork(workerPath, [], {
        execArgv: ['--expose-gc', ...(options.nodeFlags ?? [])],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'advanced',
      });
      let stderr = '';
      let reply: WorkerReply | undefined;
      child.stdout?.resume();
      child.stderr?.on('data', (b: Buffer) => {
        stderr = (stderr + b.toString()).slice(-4000);
      });
      const timer = setTimeout(() => {
        stderr += `\nkilled after ${Math.round(options.timeoutMs / 1000)} s`;
        child.kill('SIGKILL');
      }, options.timeoutMs);
      // A run that goes on past the per-run limit (COLD_FACTOR times it for the first) is stopped here:
      // JavaScript kernels run synchronously, so the worker cannot stop itself.
      const maxRunMs = req.type === 'job' ? req.settings.maxRunMs : undefined;
      let watchdog: NodeJS.Timeout | undefined;
      let runs = 0;
      const arm = (): void => {
        if (maxRunMs === undefined) return;
        clearTimeout(watchdog);
        const cold = runs === 0;
        const ms = (cold ? COLD_FACTOR : 1) * maxRunMs + WATCHDOG_GRACE_MS;
        watchdog = setTimeout(() => {
          reply = { type: 'job', outcome: { status: 'over-limit', ms, cold, stopped: true } };
          child.kill('SIGKILL');
        }, ms);
      };
      child.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') arm();
        else if (m.type === 'progress') {
          runs++;
          arm();
          onProgress?.(m.done, m.phase);
        } else {
          clearTimeout(watchdog);
          reply = m;
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        clearTimeout(watchdog);
        if (reply) return resolve(reply);
        const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
        const how = signal
          ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory or timeout)' : ''}`
          : `exited with code ${code}`;
        resolve(failure(req, `worker ${how}${last ? `: ${last}` : ''}`));
      });
      child.send(req);
    });
}

/**
 * A launcher that runs requests in this process (no memory figures): for tests and for environments
 * without child processes.
 */
export function inProcessLauncher(catalog: readonly EngineDescriptor[]): Launcher {
  return (req, onProgress) => handleRequest(req, catalog, () => performance.now(), onProgress);
}
