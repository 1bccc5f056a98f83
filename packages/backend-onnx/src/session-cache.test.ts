import { describe, expect, it } from 'vitest';
import { SessionCache } from './session-cache.js';

/** A stand-in session that records its release. */
function fakeSessions() {
  const released: string[] = [];
  const make = (key: string) => async () => ({ key, release: async () => void released.push(key) });
  return { released, make };
}

describe('SessionCache', () => {
  it('creates a session once per key and reuses it', async () => {
    const { make } = fakeSessions();
    const cache = new SessionCache<{ key: string; release(): Promise<void> }>(4);
    const seen = new Set<unknown>();
    for (let i = 0; i < 5; i++) await cache.use('a', make('a'), async (s) => void seen.add(s));
    expect(seen.size).toBe(1);
    expect(cache.stats()).toEqual({ size: 1, created: 1, released: 0 });
  });

  it('holds at most `capacity` sessions and releases the least recently used', async () => {
    const { released, make } = fakeSessions();
    const cache = new SessionCache<{ key: string; release(): Promise<void> }>(2);
    await cache.use('a', make('a'), async () => undefined);
    await cache.use('b', make('b'), async () => undefined);
    await cache.use('a', make('a'), async () => undefined); // a is now the most recent
    await cache.use('c', make('c'), async () => undefined); // evicts b
    await new Promise((r) => setImmediate(r));
    expect(cache.stats()).toEqual({ size: 2, created: 3, released: 1 });
    expect(released).toEqual(['b']);
  });

  it('releases an evicted session only after the call running on it has finished', async () => {
    const { released, make } = fakeSessions();
    const cache = new SessionCache<{ key: string; release(): Promise<void> }>(1);
    let finish!: () => void;
    const running = cache.use('a', make('a'), () => new Promise<void>((r) => (finish = r)));
    await new Promise((r) => setImmediate(r));
    await cache.use('b', make('b'), async () => undefined); // evicts a while it runs
    await new Promise((r) => setImmediate(r));
    expect(released).toEqual([]);
    finish();
    await running;
    await new Promise((r) => setImmediate(r));
    expect(released).toEqual(['a']);
  });

  it('does not keep a session whose creation failed', async () => {
    const cache = new SessionCache<{ release(): Promise<void> }>(2);
    await expect(
      cache.use(
        'a',
        async () => {
          throw new Error('bad graph');
        },
        async () => undefined,
      ),
    ).rejects.toThrow('bad graph');
    expect(cache.stats().size).toBe(0);
    let ran = false;
    await cache.use(
      'a',
      async () => ({ release: async () => undefined }),
      async () => void (ran = true),
    );
    expect(ran).toBe(true);
  });

  it('dispose releases every session, waits for running calls, and refuses further use', async () => {
    const { released, make } = fakeSessions();
    const cache = new SessionCache<{ key: string; release(): Promise<void> }>(4);
    await cache.use('a', make('a'), async () => undefined);
    let finish!: () => void;
    const running = cache.use('b', make('b'), () => new Promise<void>((r) => (finish = r)));
    await new Promise((r) => setImmediate(r));
    const disposed = cache.dispose();
    finish();
    await Promise.all([running, disposed]);
    expect(released.sort()).toEqual(['a', 'b']);
    expect(cache.stats()).toEqual({ size: 0, created: 2, released: 2 });
    await expect(cache.use('a', make('a'), async () => undefined)).rejects.toThrow(/disposed/);
  });
});
