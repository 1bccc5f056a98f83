import { AttnkitError, createRegistry } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createOnnxBackend, onnxCapabilities, plugin } from './index.js';
import { notNode, resolveOptions } from './runtime.js';

describe('plugin', () => {
  it('probes the native binding and reports the runtime version', async () => {
    const probe = await plugin.probe();
    expect(probe.available).toBe(true);
    expect(probe.reason).toMatch(/^ONNX Runtime \d+\.\d+/);
  });

  it('says why it cannot run outside Node.js (e.g. in a browser)', () => {
    expect(notNode({ navigator: {}, document: {} })).toMatch(/needs Node\.js/);
    expect(notNode(globalThis)).toBeUndefined();
  });

  it('is selected by a registry and reports its thread setting', async () => {
    const { backend } = await createRegistry().register(plugin).select();
    expect(backend.name).toBe('onnx');
    await backend.dispose();
    const two = await plugin.create({ threads: 2, sessionCacheSize: 3 });
    expect(two.info).toMatchObject({ device: 'cpu', threads: 2, sessionCacheSize: 3 });
    await two.dispose();
  });

  it('declares every feature of the suite, models included', () => {
    for (const f of ['window', 'graph', 'alibi', 'keyLengths', 'attentionMap:masked', 'models'] as const)
      expect(onnxCapabilities.features.has(f)).toBe(true);
  });
});

describe('options', () => {
  it("keeps ONNX Runtime's own logging quiet by default (failures come back as ERR_BACKEND with the cause)", () => {
    expect(resolveOptions().session.logSeverityLevel).toBe(4);
    expect(resolveOptions({ logLevel: 2 }).session.logSeverityLevel).toBe(2);
  });

  const bad: [string, object, RegExp][] = [
    ['threads: 0', { threads: 0 }, /options\.threads: expected a positive integer, got 0/],
    ['threads: 1.5', { threads: 1.5 }, /options\.threads/],
    ['interOpThreads: -1', { interOpThreads: -1 }, /options\.interOpThreads/],
    ['sessionCacheSize: 0', { sessionCacheSize: 0 }, /options\.sessionCacheSize/],
    [
      'executionMode: "fast"',
      { executionMode: 'fast' },
      /options\.executionMode: expected "sequential" or "parallel", got "fast"/,
    ],
    ['memoryArena: "yes"', { memoryArena: 'yes' }, /options\.memoryArena/],
    ['logLevel: 7', { logLevel: 7 }, /options\.logLevel/],
    ['an unknown option', { thread: 2 }, /options\.thread: unknown option/],
  ];
  for (const [name, options, message] of bad) {
    it(`rejects ${name}, naming the option`, async () => {
      const e = await createOnnxBackend(options as never).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(AttnkitError);
      expect((e as AttnkitError).code).toBe('ERR_OPTION');
      expect((e as Error).message).toMatch(message);
    });
  }

  it('runs with parallel execution and without a memory arena', async () => {
    const backend = await createOnnxBackend({
      threads: 1,
      interOpThreads: 1,
      executionMode: 'parallel',
      memoryArena: false,
      logLevel: 4,
    });
    const one = { shape: [1, 1, 2, 2], data: Float32Array.from([1, 0, 0, 1]) };
    const { output } = await backend.attention(
      one,
      one,
      { shape: [1, 1, 2, 2], data: Float32Array.from([1, 2, 3, 4]) },
      { causal: true },
    );
    // Query 0 sees key 0 alone; query 1 sees both keys, with scores 0 and 1/√2.
    const w = Math.exp(1 / Math.SQRT2) / (1 + Math.exp(1 / Math.SQRT2));
    expect(Array.from(output.data)).toEqual([1, 2, expect.closeTo(1 + 2 * w, 5), expect.closeTo(2 + 2 * w, 5)]);
    await backend.dispose();
  });
});
