/**
 * `select({ calibrate })`: time each available, capable backend on the caller's own attention call and
 * pick the fastest, within a bounded budget (at most 200 ms in all), then remember the choice per device
 * and shape class so that later selections start at once.
 *
 * Shape legend: B batch, Hq query heads, Hkv key/value heads, Sq query length, S key length, D head size.
 */
import {
  AttnkitError,
  NoBackendError,
  seededRandom,
  type AttentionOptions,
  type Backend,
  type Registry,
  type Selection,
  type SelectionEntry,
  type SelectOptions,
} from '@attnkit/core';

/** The call a calibration times: the shape of q `[B, Hq, Sq, D]` and k, v `[B, Hkv, S, D]`, and its mask. */
export interface CalibrationShape {
  /** Batch size `B` (default 1). */
  readonly batch?: number;
  /** Query heads `Hq` (default 8). */
  readonly heads?: number;
  /** Default: `heads`. */
  readonly kvHeads?: number;
  /** Default: `keyLength` (self-attention); 1 for a decode step. */
  readonly qLength?: number;
  /** Key length `T` of the calls to come; the shape class rounds it to a power of two, and a long one is timed shorter. */
  readonly keyLength: number;
  /** Head size `Dk = Dv` (default 64). */
  readonly headDim?: number;
  /** Time causal calls (default `false`); part of the shape class. */
  readonly causal?: boolean;
  /** Time calls with this local window (as `AttentionOptions.window`); part of the shape class. */
  readonly window?: {
    /** Keys before the query's position it sees. */
    readonly left: number;
    /** Keys after the query's position it sees. */
    readonly right: number;
  };
}

/** A cached choice. */
export interface CalibrationRecord {
  /** The name of the backend chosen: the fastest timed. */
  readonly backend: string;
  /** Median ms per call of each backend timed, by name. */
  readonly timings: Readonly<Record<string, number>>;
  /** When it was measured (ISO 8601). */
  readonly at: string;
}

/** The part of a Web Storage object (`localStorage`) a cache uses. */
export interface KeyValueStorage {
  /** The value stored under `key`, or `null`. */
  getItem(key: string): string | null;
  /** Stores `value` under `key`. */
  setItem(key: string, value: string): void;
}

/** Where choices are remembered (localStorage in browsers, a file in Node). */
export interface CalibrationCache {
  /** The choice remembered for a device and shape class, if any. */
  get(key: string): Promise<CalibrationRecord | undefined>;
  /** Remembers a choice. */
  set(key: string, record: CalibrationRecord): Promise<void>;
}

/** Options of a calibrated selection. */
export interface CalibrateOptions {
  /** The call to time (default: B1 H8 S512 D64, no mask). */
  readonly shape?: CalibrationShape;
  /**
   * Wall time for all the timing, in ms (default and at most 200). It is checked before each call: no call
   * starts once it is spent, though the call running then may end past it (a first call that compiles).
   */
  readonly budgetMs?: number;
  /** Where the choice is kept; `false` measures every time. Default: the platform's cache. */
  readonly cache?: CalibrationCache | false;
}

/** What a calibration measured, on the selection it returns. */
export interface Calibration {
  /** The cache key: device and shape class. */
  readonly key: string;
  /** The shape that was timed (the caller's, or a shorter one of the same class to fit the budget). */
  readonly timed: Required<Omit<CalibrationShape, 'causal' | 'window'>> & Pick<CalibrationShape, 'causal' | 'window'>;
  /** Median ms per call, by backend. */
  readonly timings: Readonly<Record<string, number>>;
  /** Whether the choice came from the cache (timings as measured then). */
  readonly cached: boolean;
  /** Wall time the calibration took, in ms. */
  readonly spentMs: number;
}

/** A selection made by calibration. */
export interface CalibratedSelection extends Selection {
  /** What was timed and measured (or found in the cache) to make the choice. */
  readonly calibration: Calibration;
}

/** The most a calibration may take, in ms. */
export const MAX_CALIBRATION_MS = 200;
/** Multiply-adds of the largest call timed (about 10 ms for a fast CPU backend); longer calls are shortened. */
const MAX_CALL_WORK = 1.5e8;

const now = (): number => globalThis.performance?.now() ?? Date.now();

/**
 * The shape class a call belongs to: its mask kind, head counts and size, decode or not, and its key
 * length rounded to a power of two. Backends keep their order within a class.
 *
 * @example
 * ```ts
 * shapeClass({ keyLength: 600, heads: 8, headDim: 64 }); // 'B1-H8-KV8-D64-S512-none'
 * ```
 */
export function shapeClass(s: CalibrationShape): string {
  const t = resolveShape(s);
  const mask = t.causal ? 'causal' : t.window ? `window${t.window.left}-${t.window.right}` : 'none';
  const S = 2 ** Math.round(Math.log2(Math.max(1, t.keyLength)));
  const q = t.qLength === t.keyLength ? '' : t.qLength === 1 ? '-decode' : `-Q${2 ** Math.round(Math.log2(t.qLength))}`;
  return `B${t.batch}-H${t.heads}-KV${t.kvHeads}-D${t.headDim}-S${S}${q}-${mask}`;
}

function resolveShape(s: CalibrationShape): Calibration['timed'] {
  const heads = s.heads ?? 8;
  const r = {
    batch: s.batch ?? 1,
    heads,
    kvHeads: s.kvHeads ?? heads,
    keyLength: s.keyLength,
    qLength: s.qLength ?? s.keyLength,
    headDim: s.headDim ?? 64,
    ...(s.causal ? { causal: true } : {}),
    ...(s.window ? { window: s.window } : {}),
  };
  for (const [k, v] of Object.entries(r))
    if (typeof v === 'number' && (!Number.isInteger(v) || v < 1))
      throw new AttnkitError(
        'ERR_OPTION',
        `calibrate.shape.${k}: expected a positive integer, got ${v}`,
        `calibrate.shape.${k}`,
      );
  return r;
}

/** The shape timed: the caller's, with its lengths halved (same class otherwise) until one call is small. */
function timedShape(t: Calibration['timed']): Calibration['timed'] {
  let { qLength, keyLength } = t;
  const self = qLength === keyLength;
  const work = (): number => t.batch * t.heads * qLength * keyLength * 2 * t.headDim;
  while (work() > MAX_CALL_WORK && keyLength > 16) {
    keyLength = Math.ceil(keyLength / 2);
    if (self) qLength = keyLength;
  }
  return { ...t, qLength, keyLength };
}

/** Random values repeat with this period (floats): filling the inputs costs a copy, not the budget. */
const PATTERN = 4099;

function inputs(t: Calibration['timed']): {
  q: { shape: number[]; data: Float32Array };
  k: { shape: number[]; data: Float32Array };
  v: { shape: number[]; data: Float32Array };
} {
  const rng = seededRandom(7);
  const pattern = new Float32Array(PATTERN);
  for (let i = 0; i < PATTERN; i++) pattern[i] = rng.uniform(-1, 1);
  const make = (shape: number[], offset: number): { shape: number[]; data: Float32Array } => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    // The pattern rotated by `offset`, repeated. Its period is prime to every head size, so the rows of a
    // head repeat only after 4,099 of them.
    const tile = new Float32Array(PATTERN);
    tile.set(pattern.subarray(offset));
    tile.set(pattern.subarray(0, offset), PATTERN - offset);
    for (let i = 0; i < data.length; i += PATTERN) data.set(tile.subarray(0, Math.min(PATTERN, data.length - i)), i);
    return { shape, data };
  };
  return {
    q: make([t.batch, t.heads, t.qLength, t.headDim], 0),
    k: make([t.batch, t.kvHeads, t.keyLength, t.headDim], 1000),
    v: make([t.batch, t.kvHeads, t.keyLength, t.headDim], 2000),
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * Times `backend` on one call until `until` (ms, from `now()`): the first call warms it up (compilation,
 * worker start-up) and is not counted unless it is the only one.
 */
async function timeBackend(call: () => Promise<unknown>, until: number): Promise<number> {
  const t0 = now();
  await call();
  const first = now() - t0;
  const times: number[] = [];
  while (times.length < 5 && now() + (times.at(-1) ?? first) <= until) {
    const t = now();
    await call();
    times.push(now() - t);
  }
  return times.length > 0 ? median(times) : first;
}

/**
 * Selects by timing: every plugin that `select` would accept is started and timed on the calibration
 * call, the fastest is kept and the others disposed. A plugin left untimed when the budget ran out is
 * reported so. Options `prefer` and `force` turn calibration off (a named choice wins).
 */
export async function calibratedSelect(
  registry: Registry,
  options: SelectOptions,
  calibrate: CalibrateOptions,
  device: string,
  defaultCache: CalibrationCache | undefined,
): Promise<CalibratedSelection> {
  const start = now();
  const budget = Math.min(MAX_CALIBRATION_MS, Math.max(0, calibrate.budgetMs ?? MAX_CALIBRATION_MS));
  const shape = resolveShape(calibrate.shape ?? { keyLength: 512 });
  const names = registry.plugins().map((p) => p.plugin.name);
  const key = `${device}|${names.join(',')}|${shapeClass(shape)}|${(options.require ?? []).join(',')}`;
  const cache = calibrate.cache === false ? undefined : (calibrate.cache ?? defaultCache);
  const timed = timedShape(shape);
  const cached = await cache?.get(key).catch(() => undefined);
  if (cached && names.includes(cached.backend)) {
    const sel = await registry.select({ ...options, prefer: [cached.backend] });
    if (sel.backend.name === cached.backend) {
      const report = sel.report.map((e) =>
        e.name === cached.backend
          ? { ...e, reason: `fastest when calibrated (${cached.at}): ${describeTimings(cached.timings)}` }
          : e,
      );
      return {
        backend: sel.backend,
        report,
        calibration: { key, timed, timings: cached.timings, cached: true, spentMs: now() - start },
      };
    }
    await sel.backend.dispose();
  }
  const { q, k, v } = inputs(timed);
  const callOptions: AttentionOptions = {
    ...(timed.causal ? { causal: true } : {}),
    ...(timed.window ? { window: timed.window } : {}),
  };
  const report: SelectionEntry[] = [];
  const timings: Record<string, number> = {};
  let best: { backend: Backend; ms: number; entry: SelectionEntry } | undefined;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const left = budget - (now() - start);
    if (left <= 0) {
      report.push({
        name,
        priority: priorityOf(registry, name),
        status: 'not-tried',
        reason: `not timed: the ${budget} ms calibration budget was spent`,
      });
      continue;
    }
    let sel: Selection;
    try {
      sel = await registry.select({ ...options, force: name });
    } catch (e) {
      const entry =
        e instanceof NoBackendError ? (e.report as readonly SelectionEntry[]).find((r) => r.name === name) : undefined;
      report.push(entry ?? { name, priority: priorityOf(registry, name), status: 'failed', reason: String(e) });
      continue;
    }
    const entry = sel.report.find((r) => r.name === name)!;
    let ms: number;
    try {
      // An equal share of what is left for each plugin still to time.
      ms = await timeBackend(() => sel.backend.attention(q, k, v, callOptions), now() + left / (names.length - i));
    } catch (e) {
      await sel.backend.dispose().catch(() => undefined);
      report.push({
        ...entry,
        status: 'failed',
        reason: `the calibration call failed: ${e instanceof Error ? e.message : String(e)}`,
      });
      continue;
    }
    timings[name] = ms;
    if (!best || ms < best.ms) {
      if (best) await best.backend.dispose().catch(() => undefined);
      best = { backend: sel.backend, ms, entry };
    } else {
      await sel.backend.dispose().catch(() => undefined);
    }
    report.push({ ...entry, status: 'available', reason: `${ms.toFixed(2)} ms per call` });
  }
  if (!best && report.some((e) => e.status === 'not-tried')) {
    // Nothing could be timed within the budget (a slow start, a busy machine): choose as `select` does
    // without calibration, by the fixed priorities, say so, and remember nothing.
    const sel = await registry.select(options);
    const why = `chosen by priority: the ${budget} ms calibration budget was spent before any backend was timed`;
    return {
      backend: sel.backend,
      report: sel.report.map((e) => (e.name === sel.backend.name ? { ...e, reason: `${why}; ${e.reason}` } : e)),
      calibration: { key, timed, timings, cached: false, spentMs: now() - start },
    };
  }
  if (!best) {
    throw new NoBackendError(
      `no backend fits:\n${report.map((r) => `  ${r.name}: ${r.status}: ${r.reason}`).join('\n')}`,
      report,
    );
  }
  const chosen = best.backend.name;
  const final = report.map((e) =>
    e.name === chosen
      ? { ...e, status: 'chosen' as const, reason: `fastest on the calibration call: ${describeTimings(timings)}` }
      : e.status === 'available'
        ? { ...e, reason: `slower: ${e.reason} (${chosen} ${best!.ms.toFixed(2)} ms)` }
        : e,
  );
  await cache?.set(key, { backend: chosen, timings, at: new Date().toISOString() }).catch(() => undefined);
  return {
    backend: best.backend,
    report: final,
    calibration: { key, timed, timings, cached: false, spentMs: now() - start },
  };
}

function priorityOf(registry: Registry, name: string): number {
  return registry.plugins().find((p) => p.plugin.name === name)?.priority ?? 0;
}

function describeTimings(t: Readonly<Record<string, number>>): string {
  return Object.entries(t)
    .sort((a, b) => a[1] - b[1])
    .map(([n, ms]) => `${n} ${ms.toFixed(2)} ms`)
    .join(', ');
}

/**
 * A cache in a Web Storage object (`localStorage`), under one key per device and shape class.
 *
 * @example
 * ```ts
 * await select({ calibrate: { shape: { keyLength: 1024 }, cache: storageCache(localStorage) } });
 * ```
 */
export function storageCache(storage: KeyValueStorage, prefix = 'attnkit-calibration:'): CalibrationCache {
  return {
    async get(key) {
      const raw = storage.getItem(prefix + key);
      return raw ? (JSON.parse(raw) as CalibrationRecord) : undefined;
    },
    async set(key, record) {
      storage.setItem(prefix + key, JSON.stringify(record));
    },
  };
}
