import { describe, expect, it } from 'vitest';
import { ScratchPool } from './scratch-pool.js';

describe('ScratchPool', () => {
  it('hands back a returned buffer for a request it can hold', () => {
    const pool = new ScratchPool(2, 1024);
    const a = pool.take(100);
    pool.give(a);
    const b = pool.take(60);
    expect(b.buffer).toBe(a.buffer);
    expect(b.length).toBe(60);
    expect(pool.take(60).buffer).not.toBe(a.buffer);
  });

  it('keeps at most `keep` buffers, the largest, and none above the size limit', () => {
    const pool = new ScratchPool(2, 1024);
    const [x, y, z] = [pool.take(10), pool.take(200), pool.take(100)];
    const big = pool.take(1000); // 4000 bytes > 1024
    for (const a of [x, y, z, big]) pool.give(a);
    const got = [pool.take(1), pool.take(1), pool.take(1)].map((a) => a.buffer);
    expect(got.slice(0, 2)).toEqual(expect.arrayContaining([y.buffer, z.buffer]));
    expect(got[2]).not.toBe(x.buffer);
    expect(got).not.toContain(big.buffer);
  });
});
