/**
 * Filters of the command line: which engines (`--backend`) and which cases (`--case`) run.
 */
import type { BenchCase } from './cases.js';
import { cacheTags } from './cache-case.js';
import { chainTags } from './chain-case.js';

/** What the filters need to know of an engine. */
export interface EngineRef {
  readonly id: string;
  readonly kind: 'attnkit' | 'peer';
}

/** Splits `"a, b,c"` into `['a', 'b', 'c']`; empty or absent gives `[]`. */
export function parseList(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const parts = Array.isArray(value) ? value : [value as string];
  return parts
    .flatMap((p) => String(p).split(','))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Selects engines by `--backend`: engine ids, or the groups `attnkit` and `peers`. No list selects all.
 * When the list names no peer, every peer is kept (each result is compared to the fastest peer) unless
 * `peers` is false (`--no-peers`). Unknown names throw, listing the known ones.
 *
 * @example
 * ```ts
 * selectEngines(engines, ['ts', 'onnx'], true); // ts, onnx and all peers
 * ```
 */
export function selectEngines<E extends EngineRef>(engines: readonly E[], names: readonly string[], peers = true): E[] {
  const known = new Set(engines.map((e) => e.id));
  for (const n of names) {
    if (n !== 'attnkit' && n !== 'peers' && !known.has(n)) {
      throw new Error(`--backend: unknown engine "${n}"; expected some of ${[...known].join(', ')}, attnkit, peers`);
    }
  }
  const named = (e: E): boolean =>
    names.length === 0 || names.includes(e.id) || names.includes(e.kind === 'peer' ? 'peers' : 'attnkit');
  const namesPeer = names.some((n) => n === 'peers' || engines.some((e) => e.id === n && e.kind === 'peer'));
  const kept = engines.filter((e) => {
    if (e.kind === 'peer') return peers && (namesPeer ? named(e) : true);
    return named(e);
  });
  if (kept.length === 0)
    throw new Error(`--backend ${names.join(',')}${peers ? '' : ' with --no-peers'} selects no engine`);
  return kept;
}

/**
 * The words a case can be selected by: its kind, mask, sweep and `s512`-style dimensions; decoding through
 * a cache by `cache` (and `decode`) and its capacity as `c4096`.
 */
export function caseTags(c: BenchCase): string[] {
  if (c.kind === 'attention' && c.chain) return chainTags({ ...c, chain: c.chain });
  if (c.kind === 'attention' && c.steps !== undefined) return cacheTags({ ...c, steps: c.steps });
  const tags = [c.kind, `sweep-${c.sweep}`, `s${c.seq}`, `b${c.batch}`];
  if (c.kind === 'attention') {
    tags.push(c.mask, `h${c.heads}`, `d${c.headDim}`);
    if (c.mask === 'window') tags.push(`window${c.window}`);
    if (c.qLength !== undefined) tags.push('decode');
    if (c.kvHeads !== undefined) tags.push(`kv${c.kvHeads}`);
    if (c.relevance === 'additive') tags.push('additive');
  }
  if (c.dtype === 'float16') tags.push('float16');
  return tags;
}

const TAG_WORD =
  /^((s|c|h|d|b|kv|l)\d+|attention|encoder|decode|cache|chain|handles|arrays|none|causal|window\d*|additive|float16|sweep-[a-z0-9-]+)$/;

/**
 * Whether a case matches `--case` terms. Terms are OR-ed; within a term, `+` AND-s words. A tag-shaped
 * word matches a tag exactly (`causal`, `encoder`, `s2048`, `h8`: so `h1` is not `h16`); any other word
 * matches as a substring of the case id (`B4-H8`).
 *
 * @example
 * ```ts
 * matchCase(c, ['causal+s1024', 'encoder']);
 * ```
 */
export function matchCase(c: BenchCase, terms: readonly string[]): boolean {
  if (terms.length === 0) return true;
  const tags = caseTags(c);
  const id = c.id.toLowerCase();
  return terms.some((term) =>
    term
      .toLowerCase()
      .split('+')
      .filter(Boolean)
      .every((w) => tags.includes(w) || (!TAG_WORD.test(w) && id.includes(w))),
  );
}

/** Keeps the cases matching `terms`; throws when none does. */
export function selectCases(cases: readonly BenchCase[], terms: readonly string[]): BenchCase[] {
  const kept = cases.filter((c) => matchCase(c, terms));
  if (kept.length === 0) {
    throw new Error(
      `--case ${terms.join(',')}: matches no case; cases are e.g. ${cases
        .slice(0, 4)
        .map((c) => c.id)
        .join(', ')} (words: attention, encoder, none, causal, window, s1024, h8, d64, b1)`,
    );
  }
  return kept;
}
