/**
 * Starting workers: each probe and each job runs in a fresh Node process (`worker.ts`), so that a job's
 * peak memory is its own and a crash or an out-of-memory kill takes only that job down.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EngineDescriptor } from './engine.js';
import { handleRequest } from './worker-handler.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

/** Runs one request; `onProgress` hears the worker's progress messages. Never rejects for a worker failure. */
export type Launcher = (req: WorkerRequest, onProgress?: (done: number, phase: 'warmup' | 'timed') => void) => Promise<WorkerReply>;

/** Options of the process launcher. */
export interface ProcessLauncherOptions {
  /** The worker module; default: `worker.js` beside this file. */
  readonly workerPath?: string;
  /** Milliseconds after which a job's worker is killed. */
  readonly timeoutMs: number;
}

function failure(req: WorkerRequest, reason: string): WorkerReply {
  return req.type === 'probe'
    ? { type: 'probe', probe: { available: false, reason } }
    : { type: 'job', outcome: { status: 'failed', reason } };
}

/** The launcher that forks one worker process per request. */
export function processLauncher(options: ProcessLauncherOptions): Launcher {
  const workerPath = options.workerPath ?? fileURLToPath(new URL('./worker.js', import.meta.url));
  return (req, onProgress) => new Promise((resolve) => {
    const child = fork(workerPath, [], {
      execArgv: ['--expose-gc'],
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
    child.on('message', (m: WorkerReply) => {
      if (m.type === 'progress') onProgress?.(m.done, m.phase);
      else reply = m;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply) return resolve(reply);
      const last = stderr.trim().split('\n').filter(Boolean).slice(-1)[0];
      const how = signal ? `was killed by ${signal}${signal === 'SIGKILL' ? ' (out of memory or timeout)' : ''}` : `exited with code ${code}`;
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
