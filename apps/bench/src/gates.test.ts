import { describe, expect, it } from 'vitest';
import { attentionCase, caseFlops, encoderCase, type BenchCase } from './cases.js';
import { DEFAULT_ENCODER_SPEC } from './encoder-spec.js';
import type { EngineDescriptor } from './engine.js';
import type { Flops } from './flops.js';
import { RunLedger } from './gates.js';

const engine = (estimateBytes?: EngineDescriptor['estimateBytes']): EngineDescriptor => ({
  id: 'e',
  kind: 'attnkit',
  description: 'test engine',
  load: async () => {
    throw new Error('not used');
  },
  ...(estimateBytes ? { estimateBytes } : {}),
});
const at = (seq: number, mask: 'none' | 'causal' | 'window' = 'none') =>
  attentionCase({ batch: 1, heads: 8, seq, headDim: 64, mask, ...(mask === 'window' ? { window: 128 } : {}) }, 'seq');
/** A case with its FLOPs, as the runner hands them to the ledger. */
const job = <C extends BenchCase>(c: C): [C, Flops] => [c, caseFlops(c)];
const limits = { maxRunMs: 1000, maxBytes: 2 ** 30 };

describe('the run limits', () => {
  it('lets an engine run a case it has no rate for yet', () => {
    expect(new RunLedger().gate(engine(), ...job(at(16384)), limits)).toBeUndefined();
  });

  it('skips a case whose run would exceed the time limit at the rate seen on a smaller case', () => {
    const ledger = new RunLedger();
    ledger.recordTime('e', ...job(at(512)), 100); // 0.537 GFLOP in 100 ms
    expect(ledger.gate(engine(), ...job(at(1024)), limits)).toBeUndefined(); // ~400 ms
    expect(ledger.gate(engine(), ...job(at(2048)), limits)).toBeUndefined(); // ~1.6 s: tried, stopped after one run if over
    const reason = ledger.gate(engine(), ...job(at(4096)), limits); // ~6.4 s
    expect(reason).toMatch(/^one run would take about 6\.4 s at the 5\.4 GFLOP\/s/);
  });

  it('estimates a masked case from the unmasked rate over every pair until it has its own rate', () => {
    const ledger = new RunLedger();
    ledger.recordTime('e', ...job(at(512)), 100);
    expect(ledger.estimateMs('e', ...job(at(2048, 'window')))!.ms).toBeCloseTo(
      caseFlops(at(2048)).dense / (caseFlops(at(512)).useful / 100),
    );
  });

  it('assumes the worse of "time grows with visible pairs" and "with all pairs" for masked cases', () => {
    const ledger = new RunLedger();
    ledger.recordTime('e', ...job(at(256, 'window')), 10); // a ±128 window covers every pair at S=256
    // S=2048: 8x the visible pairs, 64x all pairs: an engine that computes every pair needs 64x
    expect(ledger.estimateMs('e', ...job(at(2048, 'window')))!.ms).toBeCloseTo(640);
    ledger.recordTime('e', ...job(at(1024, 'window')), 15); // this engine skips masked pairs: its dense rate rises
    const est = ledger.estimateMs('e', ...job(at(2048, 'window')))!.ms;
    expect(est).toBeCloseTo(caseFlops(at(2048, 'window')).dense / (caseFlops(at(1024, 'window')).dense / 15));
    expect(est).toBeLessThan(640);
  });

  it('skips an engine once it has used its share of a quick run', () => {
    const ledger = new RunLedger();
    ledger.recordSpent('e', 9000);
    expect(ledger.gate(engine(), ...job(at(128)), { ...limits, engineBudgetMs: 10000 })).toBeUndefined();
    ledger.recordSpent('e', 2000);
    expect(ledger.gate(engine(), ...job(at(128)), { ...limits, engineBudgetMs: 10000 })).toMatch(
      /used its 10\.0 s of the run/,
    );
    expect(ledger.gate(engine(), ...job(at(128)), limits)).toBeUndefined();
  });

  it("estimates a first encoder case from the engine's attention rate", () => {
    const ledger = new RunLedger();
    ledger.recordTime('e', ...job(at(512)), 100);
    const enc = encoderCase(DEFAULT_ENCODER_SPEC, 'built-in', 1000);
    expect(ledger.estimateMs('e', ...job(enc))!.ms).toBeCloseTo(
      caseFlops(enc).useful / (caseFlops(at(512)).useful / 100),
    );
    expect(ledger.estimateMs('other', ...job(enc))).toBeUndefined();
  });

  it('keeps the best rate seen (small cases are dominated by overheads)', () => {
    const ledger = new RunLedger();
    ledger.recordTime('e', ...job(at(128)), 100);
    ledger.recordTime('e', ...job(at(512)), 10);
    ledger.recordTime('e', ...job(at(256)), 100);
    expect(ledger.estimateMs('e', ...job(at(512)))!.ms).toBeCloseTo(10);
  });

  it('skips a case known to need more memory than allowed', () => {
    const reason = new RunLedger().gate(
      engine(() => 3 * 2 ** 30),
      ...job(at(512)),
      limits,
    );
    expect(reason).toMatch(/needs about 3\.0 GiB.*limit 1\.0 GiB/);
  });

  it('skips cases of the same kind with as much work after a run over the limit', () => {
    const ledger = new RunLedger();
    ledger.recordOverLimit('e', ...job(at(1024)));
    expect(ledger.gate(engine(), ...job(at(2048)), limits)).toMatch(
      /already over the time limit on attention\/none\/B1-H8-S1024-D64/,
    );
    const moreHeads = attentionCase({ batch: 1, heads: 16, seq: 1024, headDim: 64, mask: 'none' }, 'heads');
    expect(ledger.gate(engine(), ...job(moreHeads), limits)).toMatch(/already over the time limit/);
    expect(ledger.gate(engine(), ...job(at(512)), limits)).toBeUndefined();
    expect(ledger.gate(engine(), ...job(at(2048, 'window')), limits)).toBeUndefined();
  });

  it('skips longer cases of a family after a failure, not shorter ones or other families', () => {
    const ledger = new RunLedger();
    ledger.recordFailure('e', at(2048));
    expect(ledger.gate(engine(), ...job(at(4096)), limits)).toMatch(/failed on the shorter S=2048/);
    expect(ledger.gate(engine(), ...job(at(1024)), limits)).toBeUndefined();
    expect(ledger.gate(engine(), ...job(at(4096, 'causal')), limits)).toBeUndefined();
  });
});
