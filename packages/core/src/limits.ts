/**
 * Memory limits: what a call, a spec or a set of weights would allocate, computed from shapes alone before
 * anything is allocated, and refused with a {@link SizeError} (`ERR_TOO_LARGE`) beyond the limit.
 *
 * The limit of a request is, in order of precedence: the request's own `maxBytes` (`AttentionOptions`,
 * `ModelRunOptions`), the backend's `maxBytes` (given to `create`), and {@link defaultMaxBytes}. A backend
 * may also declare a hard cap (`BackendKernels.memory.maxBytes`: what its engine can address at all, such
 * as a 32-bit WebAssembly memory); no setting goes beyond it.
 *
 * Shape legend: B batch, Hq/Hkv heads, Sq query length, Sk keys of this call, P past length, T = P + Sk,
 * Dk/Dv head sizes.
 */
import type { AttentionMapKind } from './attention-options.js';
import { AttnkitError, SizeError, fmtBytes } from './errors.js';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** One allocation a request would make. */
export interface Allocation {
  /** What it is, for the message (e.g. `output [1,8,512,64]`). */
  readonly what: string;
  /** The argument that makes it large (e.g. `options.attentionMap`). */
  readonly argument: string;
  /** Bytes it would take. */
  readonly bytes: number;
}

/** The sizes that decide what an attention call allocates (a subset of `AttentionProblem`). */
export interface AttentionDims {
  /** `B`: batch size. */
  readonly batch: number;
  /** `Hq`: query heads. */
  readonly qHeads: number;
  /** `Hkv`: key/value heads (divides `Hq`; fewer than `Hq` is grouped-query attention). */
  readonly kvHeads: number;
  /** `Sq`: query length. */
  readonly qLength: number;
  /** `Sk`: keys given in this call. */
  readonly kvLength: number;
  /** `P`: cached keys in front. */
  readonly pastLength: number;
  /** `T = P + Sk`. */
  readonly keyLength: number;
  /** `Dk`: query/key head size. */
  readonly keyDim: number;
  /** `Dv`: value head size (the output's head size). */
  readonly valueDim: number;
  /** Which attention map the call returns. */
  readonly attentionMap: AttentionMapKind;
  /**
   * The call uses additive relevance (`Dk` terms with a tanh per score): a backend that materialises
   * `q_i + k_j` counts `B·Hq·Sq·T·Dk` values in its working memory.
   */
  readonly additiveRelevance?: boolean;
  /**
   * The kernel receives this float16 call's inputs as half bits (`AttentionProblem.halves`; see
   * `BackendKernels.takesHalves`): core makes no float32 copies of them, and a backend that copies its
   * inputs into memory of its own counts 2 bytes an element for them.
   */
  readonly halfInputs?: boolean;
}

/** The memory a backend's engine needs beyond core's own arrays, declared with its kernels. */
export interface MemoryModel {
  /** Working memory of one attention call beyond its output (e.g. a dense `[B, Hq, Sq, T]` score matrix). */
  scratchBytes?(d: AttentionDims): number;
  /** The most one request may allocate on this engine at all (a hard cap no setting goes beyond). */
  readonly maxBytes?: number;
}

/**
 * Bytes of a call's q, k and v (the past included) in float32: what a backend that copies its inputs into
 * memory of its own (worker threads, a device, another runtime) adds to its working memory.
 */
export function inputBytes(d: AttentionDims): number {
  return 4 * (d.batch * d.qHeads * d.qLength * d.keyDim + d.batch * d.kvHeads * d.keyLength * (d.keyDim + d.valueDim));
}

/** Installed memory of this platform in bytes, where the platform says (Node: `os.totalmem()`; browsers: `navigator.deviceMemory`). */
export function platformMemory(): number | undefined {
  // Asked once: the answer does not change while the process runs, and asking costs a system call per
  // attention call (a visible share of a decode step).
  if (memoryKnown) return memory;
  memory = askPlatformMemory();
  memoryKnown = true;
  return memory;
}

let memoryKnown = false;
let memory: number | undefined;

function askPlatformMemory(): number | undefined {
  const g = globalThis as {
    process?: { getBuiltinModule?: (name: string) => unknown };
    navigator?: { deviceMemory?: unknown };
  };
  try {
    const os = g.process?.getBuiltinModule?.('node:os') as { totalmem?: () => number } | undefined;
    const total = os?.totalmem?.();
    if (typeof total === 'number' && total > 0) return total;
  } catch {
    // Not Node, or no `os` module: try the browser's hint.
  }
  const dm = g.navigator?.deviceMemory;
  return typeof dm === 'number' && dm > 0 ? dm * GiB : undefined;
}

/**
 * The default limit of one request: an eighth of the platform's memory, between 256 MiB and 2 GiB
 * (1 GiB where the platform does not say).
 *
 * @example
 * ```ts
 * import { defaultMaxBytes } from '@attnkit/core';
 * console.log(defaultMaxBytes() / 2 ** 30); // 2 on a machine with 16 GiB or more
 * ```
 */
export function defaultMaxBytes(): number {
  const total = platformMemory();
  if (total === undefined) return GiB;
  return Math.min(2 * GiB, Math.max(256 * MiB, Math.floor(total / 8)));
}

/**
 * Checks a `maxBytes` setting: a positive number of bytes, or `Infinity` for no limit (the backend's hard
 * cap still applies). Returns `undefined` when it is absent.
 */
export function expectMaxBytes(value: unknown, argument: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0) {
    throw new AttnkitError(
      'ERR_OPTION',
      `${argument}: expected a positive number of bytes (or Infinity), got ${describe(value)}`,
      argument,
    );
  }
  return value;
}

/** The limit that applies: the request's, else the backend's, else the default; never above the engine's cap. */
export function effectiveLimit(
  request: number | undefined,
  backend: number | undefined,
  engineCap: number | undefined,
): number {
  const chosen = request ?? backend ?? defaultMaxBytes();
  return engineCap === undefined ? chosen : Math.min(chosen, engineCap);
}

/**
 * Throws a {@link SizeError} naming the largest allocation when the total exceeds `limit`.
 * @param subject what is being refused, e.g. `attention` or `compile`
 */
export function expectWithinLimit(subject: string, parts: readonly Allocation[], limit: number): void {
  let total = 0;
  for (const p of parts) total += p.bytes;
  if (total <= limit) return;
  const sorted = [...parts].filter((p) => p.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  const largest = sorted[0]!;
  const list = sorted
    .slice(0, 3)
    .map((p) => `${p.what}: ${fmtBytes(p.bytes)}`)
    .join(', ');
  throw new SizeError(
    `${subject}: would allocate ${fmtBytes(total)} (${list}), above the limit of ${fmtBytes(limit)}; ` +
      `${largest.argument} is what makes it large. Use smaller shapes, or raise the limit with maxBytes (per call, or in the backend's options)`,
    largest.argument,
    total,
    limit,
  );
}

/**
 * What an attention call allocates: core's arrays (unpacked or concatenated inputs, output, attention map,
 * present) and the backend's declared scratch.
 */
export function attentionAllocations(
  d: AttentionDims,
  opts: { packed: boolean; hasPast: boolean; returnPresent: boolean; half?: boolean },
  memory?: MemoryModel,
): Allocation[] {
  const { batch: B, qHeads: Hq, kvHeads: Hkv, qLength: Sq, kvLength: Sk, keyLength: T, keyDim: Dk, valueDim: Dv } = d;
  const f32 = 4;
  const parts: Allocation[] = [];
  const outArg = Dv >= Sq ? 'v' : 'q';
  parts.push({
    what: `output [${B},${Hq},${Sq},${Dv}]`,
    argument: outArg,
    bytes: B * Hq * Sq * Dv * f32 * (opts.packed ? 2 : 1),
  });
  if (opts.packed)
    parts.push({ what: 'unpacked q, k, v', argument: 'q', bytes: (B * Hq * Sq * Dk + B * Hkv * Sk * (Dk + Dv)) * f32 });
  if (opts.hasPast)
    parts.push({
      what: `past and new keys/values [${B},${Hkv},${T},${Dk}+${Dv}]`,
      argument: 'options.past',
      bytes: B * Hkv * T * (Dk + Dv) * f32,
    });
  else if (opts.returnPresent)
    parts.push({
      what: `present [${B},${Hkv},${T},${Dk}+${Dv}]`,
      argument: 'options.returnPresent',
      bytes: B * Hkv * T * (Dk + Dv) * f32,
    });
  if (d.attentionMap !== 'none')
    parts.push({
      what: `attention map "${d.attentionMap}" [${B},${Hq},${Sq},${T}]`,
      argument: 'options.attentionMap',
      bytes: B * Hq * Sq * T * f32,
    });
  if (opts.half && !d.halfInputs)
    parts.push({ what: 'float32 copies of the float16 inputs', argument: 'q', bytes: inputBytes(d) });
  const scratch = memory?.scratchBytes?.(d) ?? 0;
  if (scratch > 0) parts.push({ what: "the backend's working memory", argument: T >= Sq ? 'k' : 'q', bytes: scratch });
  return parts;
}

function describe(x: unknown): string {
  if (typeof x === 'string') return JSON.stringify(x);
  if (x === null) return 'null';
  if (typeof x === 'object') return 'an object';
  return String(x as number | bigint | boolean | symbol | undefined | ((...args: never[]) => unknown));
}
