/**
 * The Node cache of calibrated choices: one JSON file, by default `$XDG_CACHE_HOME/attnkit/calibration.json`
 * (`~/.cache/attnkit/calibration.json`).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CalibrationCache, CalibrationRecord } from './calibrate.js';

/** The default cache file. */
export function defaultCalibrationPath(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'attnkit', 'calibration.json');
}

/** What identifies this machine's speed: CPU model, hardware threads, Node version. */
export function nodeDevice(): string {
  return `node ${process.version}|${cpus()[0]?.model ?? 'unknown CPU'}|${availableParallelism()} threads`;
}

/**
 * A cache in one JSON file (written whole, through a temporary file).
 *
 * @example
 * ```ts
 * await select({ calibrate: { shape: { keyLength: 2048 }, cache: fileCache('calibration.json') } });
 * ```
 */
export function fileCache(path: string = defaultCalibrationPath()): CalibrationCache {
  const read = async (): Promise<Record<string, CalibrationRecord>> => {
    try {
      return JSON.parse(await readFile(path, 'utf8')) as Record<string, CalibrationRecord>;
    } catch {
      return {};
    }
  };
  return {
    async get(key) {
      return (await read())[key];
    },
    async set(key, record) {
      const all = { ...(await read()), [key]: record };
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, JSON.stringify(all, null, 1));
      await rename(tmp, path);
    },
  };
}
