import { describe, expect, it } from 'vitest';
import { compareResults, pickReference, type BenchResult } from './results.js';
import { summarize } from './stats.js';

const result = (engine: string, ms: number, sample: number[]): BenchResult => ({
  engine,
  case: 'c',
  status: 'ok',
  timesMs: [ms],
  stats: summarize([ms]),
  sample,
});
const kind = (id: string) => (id.startsWith('peer') ? ('peer' as const) : ('attnkit' as const));

describe('ratios and output checks', () => {
  it("divides each median by the fastest peer's median in the same case", () => {
    const r = compareResults([result('ts', 30, [1]), result('peer-a', 10, [1]), result('peer-b', 20, [1])], kind);
    expect(r.map((x) => x.ratio)).toEqual([3, 1, 2]);
  });

  it('leaves ratios out when no peer ran the case', () => {
    const r = compareResults(
      [result('ts', 30, [1]), { engine: 'peer-a', case: 'c', status: 'skipped', reason: 'slow' }],
      kind,
    );
    expect(r[0]!.ratio).toBeUndefined();
  });

  it('takes the output most engines agree with as the reference, so the one wrong engine is flagged', () => {
    const right = [0.5, -0.25, 1];
    const wrong = [0.5, 0.75, 1];
    const results = [
      result('ts', 3, wrong),
      result('onnx', 1, right),
      result('peer-a', 2, right),
      result('webgpu', 4, [0.5001, -0.2499, 1]),
    ];
    expect(pickReference(results)!.engine).toBe('onnx');
    const checked = compareResults(results, kind);
    expect(checked.map((r) => r.check?.ok)).toEqual([false, undefined, true, true]);
    expect(checked[0]!.check).toMatchObject({ reference: 'onnx', maxAbsDiff: 1 });
  });

  it('prefers the TypeScript backend as the reference when everyone agrees', () => {
    const same = [1, 2, 3];
    expect(pickReference([result('onnx', 1, same), result('ts', 2, same)])!.engine).toBe('ts');
  });
});
