/**
 * The backend's WebAssembly memory: blocks that never overlap, come zeroed, merge when freed, grow the
 * memory when nothing fits, and refuse what the memory cannot hold without changing anything.
 */
import { AttnkitError } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { WasmArena } from './wasm-memory.js';

const arena = (shared: boolean, maxPages?: number): WasmArena => WasmArena.create(shared, maxPages)!;

describe.each([true, false])('the memory (shared: %s)', (shared) => {
  it('hands out aligned blocks that do not overlap, zeroed even where freed blocks were', () => {
    const a = arena(shared);
    expect(a.shared).toBe(shared);
    const x = a.allocate(10),
      y = a.allocate(33);
    expect(x.at % 16).toBe(0);
    expect(y.at % 16).toBe(0);
    expect(y.at).toBeGreaterThanOrEqual(x.at + 10);
    a.f32().fill(7, y.at, y.at + 33);
    a.release(y);
    const z = a.allocate(33);
    expect(z.at).toBe(y.at);
    expect(Array.from(a.f32().subarray(z.at, z.at + 33)).every((v) => v === 0)).toBe(true);
  });

  it('copies out into a fresh unshared array that later writes to the memory do not reach', () => {
    const a = arena(shared);
    const x = a.allocate(100);
    for (let i = 0; i < 100; i++) a.f32()[x.at + i] = i - 50.5;
    const out = a.copyOut(x.at + 3, 90);
    expect(out.buffer).toBeInstanceOf(ArrayBuffer);
    expect(out.buffer).not.toBe(a.memory.buffer);
    expect(out.length).toBe(90);
    expect(Array.from(out)).toEqual(Array.from({ length: 90 }, (_, i) => i + 3 - 50.5));
    a.f32().fill(0, x.at, x.at + 100);
    expect(out[0]).toBe(-47.5);
  });

  it('merges freed neighbours, so a larger block fits where two were', () => {
    const a = arena(shared);
    const x = a.allocate(64),
      y = a.allocate(64),
      z = a.allocate(64);
    a.release(x);
    a.release(y);
    const big = a.allocate(128);
    expect(big.at).toBe(x.at);
    expect(a.stats()).toMatchObject({ live: 2, bytes: (128 + 64) * 4 });
    a.release(z);
    a.release(big);
    expect(a.stats()).toMatchObject({ live: 0, bytes: 0 });
  });

  it('grows when nothing fits, and refuses beyond its maximum with ERR_TOO_LARGE, allocating nothing', () => {
    const a = arena(shared, 80); // 5 MiB
    const before = a.stats().memoryBytes;
    const x = a.allocate(1 << 20); // 4 MiB
    expect(a.stats().memoryBytes).toBeGreaterThan(before);
    const held = a.stats();
    let caught: unknown;
    try {
      a.allocate(1 << 20);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AttnkitError);
    expect((caught as AttnkitError).code).toBe('ERR_TOO_LARGE');
    expect((caught as AttnkitError).message).toMatch(/can address at most 5\.00 MiB/);
    expect(a.stats()).toEqual(held);
    a.release(x);
    expect(a.allocate(1 << 20).at).toBe(x.at);
  });
});

describe('a shared memory', () => {
  it('keeps a view taken before it grows valid afterwards', () => {
    const a = arena(true);
    const b = a.allocate(100);
    const view = new Float32Array(a.memory.buffer, b.at * 4, 100);
    view.fill(3);
    a.allocate(4 << 20); // grows the memory by 16 MiB
    expect(view.length).toBe(100);
    expect(a.f32()[b.at + 99]).toBe(3);
    view[0] = 5;
    expect(a.f32()[b.at]).toBe(5);
  });
});
