/**
 * The ownership rule, checked from outside: a backend never writes into, keeps, or hands back the caller's
 * arrays. Every case snapshots the whole memory behind each array it passes (so a write outside a view is
 * caught too) and compares it byte for byte afterwards, and checks that no result shares memory with an
 * input.
 */
import type { AttentionOptions, AttentionResult, HalfTensor, Tensor } from '@attnkit/core';
import { ConformanceFailure } from './compare.js';

type Named = readonly [name: string, value: unknown];

/** Every array (typed or plain) reachable from a call's arguments, by name. */
export function callArrays(q: unknown, k: unknown, v: unknown, options?: unknown): Named[] {
  const out: Named[] = [];
  const tensor = (name: string, t: unknown): void => {
    if (t && typeof t === 'object') {
      const x = t as { data?: unknown; shape?: unknown };
      out.push([`${name}.data`, x.data], [`${name}.shape`, x.shape]);
    }
  };
  tensor('q', q);
  tensor('k', k);
  tensor('v', v);
  if (options && typeof options === 'object') {
    const o = options as AttentionOptions & Record<string, unknown>;
    if (o.mask && typeof o.mask === 'object')
      out.push(['options.mask.data', o.mask.data], ['options.mask.shape', o.mask.shape]);
    if (o.past && typeof o.past === 'object') {
      tensor('options.past.key', o.past.key);
      tensor('options.past.value', o.past.value);
    }
    for (const key of ['keyLengths', 'keyPadding', 'alibi'] as const)
      if (o[key] !== undefined) out.push([`options.${key}`, o[key]]);
    if (o.graph && typeof o.graph === 'object') out.push(['options.graph.edges', o.graph.edges]);
    if (o.window && typeof o.window === 'object') out.push(['options.window', o.window]);
    if (o.heads && typeof o.heads === 'object') out.push(['options.heads', o.heads]);
  }
  return out;
}

/** The arrays of a set of weights. */
export function weightArrays(weights: ReadonlyMap<string, Tensor | HalfTensor>): Named[] {
  return [...weights].flatMap(([name, t]): Named[] => [
    [`weights.${name}.data`, t.data],
    [`weights.${name}.shape`, t.shape],
  ]);
}

interface Snapshot {
  readonly name: string;
  readonly check: () => string | undefined;
}

function snapshotOne(name: string, value: unknown): Snapshot | undefined {
  if (ArrayBuffer.isView(value)) {
    // The whole buffer, not just the view: a write next to the view corrupts memory the caller never passed.
    const whole = new Uint8Array(value.buffer as ArrayBuffer);
    const copy = whole.slice();
    const start = value.byteOffset,
      end = value.byteOffset + value.byteLength;
    return {
      name,
      check: () => {
        const now = new Uint8Array(value.buffer as ArrayBuffer);
        if (now.length !== copy.length)
          return `${name}: its buffer changed size (${copy.length} → ${now.length} bytes; was it transferred or detached?)`;
        for (let i = 0; i < copy.length; i++) {
          if (now[i] !== copy[i]) {
            const where =
              i >= start && i < end ? `byte ${i - start} of the array` : `byte ${i} of its buffer, outside the array`;
            return `${name}: the backend wrote into the caller's memory (${where})`;
          }
        }
        return undefined;
      },
    };
  }
  if (Array.isArray(value) || (value !== null && typeof value === 'object')) {
    const copy = JSON.stringify(value);
    return {
      name,
      check: () =>
        JSON.stringify(value) === copy
          ? undefined
          : `${name}: the backend changed the caller's ${Array.isArray(value) ? 'array' : 'object'}`,
    };
  }
  return undefined;
}

/**
 * Snapshots `arrays` now; the returned function throws a {@link ConformanceFailure} naming the first one that
 * changed.
 */
export function snapshot(arrays: readonly Named[]): () => void {
  const snaps = arrays.map(([n, v]) => snapshotOne(n, v)).filter((s): s is Snapshot => s !== undefined);
  return () => {
    for (const s of snaps) {
      const fault = s.check();
      if (fault) throw new ConformanceFailure(fault);
    }
  };
}

/** Throws when an array of `result` shares memory with one of the caller's arrays. */
export function expectOwnResult(result: AttentionResult | undefined, arrays: readonly Named[]): void {
  if (!result) return;
  const views = arrays.filter(([, v]) => ArrayBuffer.isView(v)) as [string, ArrayBufferView][];
  const outs: [string, ArrayBufferView | undefined][] = [
    ['output', result.output?.data],
    ['weights', result.attentionMap?.data],
    ['present.key', result.present?.key.data],
    ['present.value', result.present?.value.data],
  ];
  for (const [what, arr] of outs) {
    if (!arr) continue;
    const hit = views.find(([, v]) => v.buffer === arr.buffer);
    if (hit)
      throw new ConformanceFailure(
        `${what}: shares memory with the caller's ${hit[0]} (a backend never hands back the caller's arrays)`,
      );
  }
}

/**
 * Runs `call` and checks the ownership rule around it, whether it succeeds or is refused.
 *
 * @example
 * ```ts
 * const r = await guarded([q, k, v, options], () => backend.attention(q, k, v, options));
 * ```
 */
export async function guarded<R>(
  args: readonly [unknown, unknown, unknown, unknown?],
  call: () => Promise<R>,
): Promise<R> {
  const arrays = callArrays(...args);
  const check = snapshot(arrays);
  let result: R;
  try {
    result = await call();
  } catch (e) {
    check();
    throw e;
  }
  check();
  expectOwnResult(result as AttentionResult, arrays);
  return result;
}
