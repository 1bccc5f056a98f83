/**
 * Checks that parsed JSON is a results file this version understands, naming the first field that is
 * not: `results[3].stats.median: expected a number, got "fast"`.
 */
import { RESULTS_SCHEMA, type ResultsFile } from './results.js';

type Check = (value: unknown, path: string) => void;

const fail = (path: string, expected: string, value: unknown): never => {
  const got =
    value === null
      ? 'null'
      : Array.isArray(value)
        ? 'an array'
        : typeof value === 'string'
          ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)
          : typeof value;
  throw new TypeError(`${path}: expected ${expected}, got ${got}`);
};

const str: Check = (v, p) => {
  if (typeof v !== 'string') fail(p, 'a string', v);
};
const num: Check = (v, p) => {
  if (typeof v !== 'number' || Number.isNaN(v)) fail(p, 'a number', v);
};
const bool: Check = (v, p) => {
  if (typeof v !== 'boolean') fail(p, 'a boolean', v);
};
const optional =
  (c: Check): Check =>
  (v, p) => {
    if (v !== undefined && v !== null) c(v, p);
  };
const oneOf =
  (...values: string[]): Check =>
  (v, p) => {
    if (!values.includes(v as string)) fail(p, values.map((x) => JSON.stringify(x)).join(' or '), v);
  };
const array =
  (item: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v)) fail(p, 'an array', v);
    (v as unknown[]).forEach((x, i) => item(x, `${p}[${i}]`));
  };
const object =
  (fields: Record<string, Check>): Check =>
  (v, p) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(p, 'an object', v);
    for (const [k, c] of Object.entries(fields)) c((v as Record<string, unknown>)[k], p ? `${p}.${k}` : k);
  };

const machine = object({
  platform: str,
  arch: str,
  os: str,
  cpu: str,
  cores: num,
  memoryBytes: num,
  node: (v, p) => {
    if (v !== null) str(v, p);
  },
  userAgent: optional(str),
  adapters: array(str),
  nodeFlags: optional(array(str)),
});

const settings = object({
  warmup: num,
  warmupMs: num,
  maxWarmupMs: optional(num),
  settleRuns: optional(num),
  minRuns: num,
  maxRuns: num,
  minTimeMs: num,
  maxTimeMs: num,
  maxRunMs: optional(num),
});

const config = object({
  mode: oneOf('quick', 'full', 'browser'),
  argv: array(str),
  backendFilter: array(str),
  caseFilter: array(str),
  peers: bool,
  settings,
  maxRunMs: num,
  maxBytes: num,
  engineBudgetMs: optional(num),
  seed: num,
  window: num,
  encoderSpecSource: str,
});

const engine = object({
  id: str,
  kind: oneOf('attnkit', 'peer'),
  description: str,
  available: bool,
  reason: optional(str),
});

const benchCase = (v: unknown, p: string): void => {
  object({ kind: oneOf('attention', 'encoder'), id: str, family: str, batch: num, seq: num })(v, p);
  const c = v as { kind: string };
  if (c.kind === 'attention')
    object({
      heads: num,
      headDim: num,
      mask: oneOf('none', 'causal', 'window'),
      window: optional(num),
      qLength: optional(num),
      kvHeads: optional(num),
      steps: optional(num),
    })(v, p);
  else object({ spec: object({ type: oneOf('transformer-encoder') }), specSource: str })(v, p);
};

const summary = object({
  n: num,
  median: num,
  mean: num,
  min: num,
  max: num,
  p25: num,
  p75: num,
  iqr: num,
  mad: num,
  relSpread: num,
});

const result = object({
  engine: str,
  case: str,
  status: oneOf('ok', 'skipped', 'unsupported', 'failed'),
  reason: optional(str),
  timesMs: optional(array(num)),
  stats: optional(summary),
  warmup: optional(object({ runs: num, firstMs: num, totalMs: num })),
  gflops: optional(object({ useful: num, dense: num })),
  memory: optional(object({ peakRss: num, baseRss: num, loadPeakRss: num })),
  ratio: optional(num),
  check: optional(object({ reference: str, maxAbsDiff: num, ok: bool })),
});

/**
 * Validates a parsed results file and returns it typed; throws a `TypeError` naming the first bad field.
 *
 * @example
 * ```ts
 * const file = validateResults(JSON.parse(text));
 * ```
 */
export function validateResults(json: unknown): ResultsFile {
  object({
    schema: (v, p) => {
      if (v !== RESULTS_SCHEMA) fail(p, `"${RESULTS_SCHEMA}" (an attnkit bench results file)`, v);
    },
  })(json, '');
  object({
    createdAt: str,
    source: oneOf('cli', 'browser'),
    machine,
    config,
    engines: array(engine),
    cases: array(benchCase),
    results: array(result),
  })(json, '');
  const file = json as ResultsFile;
  const cases = new Set(file.cases.map((c) => c.id));
  const engines = new Set(file.engines.map((e) => e.id));
  file.results.forEach((r, i) => {
    if (!cases.has(r.case)) fail(`results[${i}].case`, 'the id of a listed case', r.case);
    if (!engines.has(r.engine)) fail(`results[${i}].engine`, 'the id of a listed engine', r.engine);
    if (r.status === 'ok' && !r.stats) fail(`results[${i}].stats`, 'timing statistics for an ok result', undefined);
  });
  return file;
}
