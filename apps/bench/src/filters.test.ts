import { describe, expect, it } from 'vitest';
import { buildMatrix, type BenchCase } from './cases.js';
import { DEFAULT_ENCODER_SPEC } from './encoder-spec.js';
import { caseTags, matchCase, parseList, selectCases, selectEngines } from './filters.js';

const engines = [
  { id: 'ts', kind: 'attnkit' as const },
  { id: 'onnx', kind: 'attnkit' as const },
  { id: 'webgpu', kind: 'attnkit' as const },
  { id: 'ort-matmul', kind: 'peer' as const },
  { id: 'tfjs-wasm-ops', kind: 'peer' as const },
];
const ids = (list: { id: string }[]) => list.map((e) => e.id);
const quick = buildMatrix({ full: false, window: 128, encoder: { spec: DEFAULT_ENCODER_SPEC, source: 'built-in' } });

describe('--backend', () => {
  it('splits comma lists, dropping blanks', () => {
    expect(parseList('ts, onnx,,webgpu ')).toEqual(['ts', 'onnx', 'webgpu']);
    expect(parseList(['ts', 'onnx,webgpu'])).toEqual(['ts', 'onnx', 'webgpu']);
    expect(parseList(undefined)).toEqual([]);
  });

  it('keeps every engine without a filter', () => {
    expect(ids(selectEngines(engines, []))).toEqual(ids(engines));
  });

  it('keeps the named backends and every peer, so ratios still have peers', () => {
    expect(ids(selectEngines(engines, ['ts', 'onnx']))).toEqual(['ts', 'onnx', 'ort-matmul', 'tfjs-wasm-ops']);
  });

  it('drops the peers with --no-peers', () => {
    expect(ids(selectEngines(engines, ['ts'], false))).toEqual(['ts']);
  });

  it('keeps only the named peers when a peer is named, and understands the groups', () => {
    expect(ids(selectEngines(engines, ['ts', 'ort-matmul']))).toEqual(['ts', 'ort-matmul']);
    expect(ids(selectEngines(engines, ['peers']))).toEqual(['ort-matmul', 'tfjs-wasm-ops']);
    expect(ids(selectEngines(engines, ['attnkit']))).toEqual(['ts', 'onnx', 'webgpu', 'ort-matmul', 'tfjs-wasm-ops']);
  });

  it('refuses a selection with no engine left', () => {
    expect(() => selectEngines(engines, ['ort-matmul'], false)).toThrow(/selects no engine/);
  });

  it('rejects an unknown name, listing the known ones', () => {
    expect(() => selectEngines(engines, ['cuda'])).toThrow(/unknown engine "cuda".*ts, onnx, webgpu/);
  });
});

describe('--case', () => {
  const find = (id: string): BenchCase => quick.find((c) => c.id === id)!;

  it('tags cases by kind, mask, sweep and dimensions', () => {
    expect(caseTags(find('attention/causal/B1-H8-S1024-D64'))).toEqual(
      expect.arrayContaining(['attention', 'causal', 's1024', 'h8', 'd64', 'b1', 'sweep-seq']),
    );
    expect(caseTags(find('encoder/B1-S1000'))).toEqual(expect.arrayContaining(['encoder', 's1000']));
  });

  it('selects by a word, OR-s comma-separated terms and AND-s words joined by +', () => {
    expect(quick.filter((c) => matchCase(c, ['causal'])).map((c) => c.id)).toEqual([
      'attention/causal/B1-H8-S1024-D64',
      'attention/float16-causal/B1-H8-S1024-D64',
    ]);
    expect(quick.filter((c) => matchCase(c, ['causal+float16'])).map((c) => c.id)).toEqual([
      'attention/float16-causal/B1-H8-S1024-D64',
    ]);
    const either = quick.filter((c) => matchCase(c, ['causal', 'encoder'])).map((c) => c.id);
    expect(either).toEqual([
      'encoder/B1-S1000',
      'attention/causal/B1-H8-S1024-D64',
      'attention/float16-causal/B1-H8-S1024-D64',
      'encoder/float16/B1-S1000',
    ]);
    expect(quick.filter((c) => matchCase(c, ['encoder+float16'])).map((c) => c.id)).toEqual([
      'encoder/float16/B1-S1000',
    ]);
    const both = quick.filter((c) => matchCase(c, ['none+s512'])).map((c) => c.id);
    expect(both).toContain('attention/none/B1-H8-S512-D64');
    expect(both.every((id) => id.includes('none') && id.includes('S512'))).toBe(true);
  });

  it('matches tag-shaped words exactly (h1 is not h16)', () => {
    const full = buildMatrix({ full: true, window: 128, encoder: { spec: DEFAULT_ENCODER_SPEC, source: 'built-in' } });
    expect(full.filter((c) => matchCase(c, ['h1'])).map((c) => c.id)).toEqual(['attention/none/B1-H1-S1024-D64']);
    expect(full.filter((c) => matchCase(c, ['h16'])).map((c) => c.id)).toEqual(['attention/none/B1-H16-S1024-D64']);
  });

  it('selects decoding through a cache by "cache" (or "decode"), and its capacity as c4096', () => {
    const full = buildMatrix({ full: true, window: 128, encoder: { spec: DEFAULT_ENCODER_SPEC, source: 'built-in' } });
    expect(full.filter((c) => matchCase(c, ['cache+c4096'])).map((c) => c.id)).toEqual([
      'decode-cache/B1-H32-KV8-C4096-D128-256steps',
    ]);
    expect(quick.filter((c) => matchCase(c, ['decode'])).map((c) => c.id)).toContain(
      'decode-cache/B1-H32-KV8-C512-D128-256steps',
    );
  });

  it('falls back to a substring of the id', () => {
    expect(quick.filter((c) => matchCase(c, ['window128'])).length).toBe(1);
    expect(quick.filter((c) => matchCase(c, ['B4-H8'])).length).toBe(1);
  });

  it('refuses a filter that matches nothing', () => {
    expect(() => selectCases(quick, ['s99999'])).toThrow(/matches no case/);
  });
});
