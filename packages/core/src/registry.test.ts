import { describe, expect, it } from 'vitest';
import { defineBackend, type BackendPlugin } from './backend.js';
import { capabilities, type Feature } from './capabilities.js';
import { NoBackendError } from './errors.js';
import { createRegistry, formatReport } from './registry.js';

function fake(
  name: string,
  opts: { available?: boolean; reason?: string; fail?: string; features?: Feature[] } = {},
): BackendPlugin {
  return {
    name,
    async probe() {
      return { available: opts.available ?? true, ...(opts.reason ? { reason: opts.reason } : {}) };
    },
    async create() {
      if (opts.fail) throw new Error(opts.fail);
      return defineBackend({
        name,
        capabilities: capabilities(opts.features ?? []),
        attention: async (p) => ({ output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) }),
      });
    },
  };
}

describe('registry.select', () => {
  it('chooses the highest-priority available plugin and reports every plugin', async () => {
    const r = createRegistry().register(fake('low'), { priority: 1 }).register(fake('high'), { priority: 5 });
    const { backend, report } = await r.select();
    expect(backend.name).toBe('high');
    expect(report.map((e) => [e.name, e.status])).toEqual([
      ['high', 'chosen'],
      ['low', 'not-tried'],
    ]);
  });

  it('skips unavailable, failing and incapable plugins with their reasons', async () => {
    const r = createRegistry()
      .register(fake('gpu', { available: false, reason: 'no adapter' }), { priority: 4 })
      .register(fake('native', { fail: 'binding missing' }), { priority: 3 })
      .register(fake('partial', { features: [] }), { priority: 2 })
      .register(fake('full', { features: ['causal'] }), { priority: 1 });
    const { backend, report } = await r.select({ require: ['causal'] });
    expect(backend.name).toBe('full');
    expect(report).toEqual([
      { name: 'gpu', priority: 4, status: 'unavailable', reason: 'no adapter' },
      { name: 'native', priority: 3, status: 'failed', reason: 'failed to start: binding missing' },
      expect.objectContaining({ name: 'partial', status: 'incapable', reason: expect.stringContaining('causal') }),
      expect.objectContaining({ name: 'full', status: 'chosen' }),
    ]);
    expect(formatReport(report).split('\n')).toHaveLength(4);
  });

  it('honours force and prefer', async () => {
    const r = createRegistry().register(fake('a'), { priority: 2 }).register(fake('b'), { priority: 1 });
    expect((await r.select({ force: 'b' })).backend.name).toBe('b');
    expect((await r.select({ prefer: ['b'] })).backend.name).toBe('b');
    await expect(r.select({ force: 'zzz' })).rejects.toThrow(/no backend named "zzz"/);
  });

  it('throws NoBackendError listing every reason when nothing fits', async () => {
    const r = createRegistry().register(fake('x', { available: false, reason: 'not here' }));
    const err = await r.select().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoBackendError);
    expect((err as NoBackendError).code).toBe('ERR_NO_BACKEND');
    expect((err as Error).message).toContain('x: unavailable: not here');
  });

  it('treats a probe that throws as unavailable', async () => {
    const bad: BackendPlugin = {
      ...fake('t'),
      probe: async () => {
        throw new Error('boom');
      },
    };
    const r = createRegistry().register(bad, { priority: 2 }).register(fake('ok'));
    const { backend, report } = await r.select();
    expect(backend.name).toBe('ok');
    expect(report[0]).toMatchObject({ status: 'unavailable', reason: 'probe threw: boom' });
  });

  it('keeps registries independent', async () => {
    const a = createRegistry().register(fake('one'));
    const b = createRegistry();
    expect(a.plugins()).toHaveLength(1);
    expect(b.plugins()).toHaveLength(0);
  });
});

describe('selection from declared capabilities', () => {
  it('skips a plugin that declares it lacks a required feature without starting it', async () => {
    let created = 0;
    const declared: BackendPlugin = {
      name: 'declared',
      capabilities: capabilities(['causal'], { window: 'no band kernel' }),
      probe: async () => ({ available: true }),
      create: async () => {
        created++;
        throw new Error('must not be created');
      },
    };
    const { backend, report } = await createRegistry()
      .register(declared, { priority: 9 })
      .register(fake('any', { features: ['window'] }))
      .select({ require: ['window'] });
    expect(created).toBe(0);
    expect(backend.name).toBe('any');
    expect(report[0]).toMatchObject({ name: 'declared', status: 'incapable', reason: 'lacks window (no band kernel)' });
  });

  it('a survey starts every plugin once and reports each with its info', async () => {
    const starts: string[] = [];
    const counted = (name: string): BackendPlugin => {
      const base = fake(name);
      return {
        ...base,
        create: async (o) => {
          starts.push(name);
          return base.create(o);
        },
      };
    };
    const r = createRegistry()
      .register(counted('a'), { priority: 2 })
      .register(counted('b'), { priority: 1 })
      .register(fake('off', { available: false, reason: 'no device' }));
    const { backend, report } = await r.select({ survey: true });
    expect(backend.name).toBe('a');
    expect(starts).toEqual(['a', 'b']);
    expect(report.map((e) => [e.name, e.status])).toEqual([
      ['a', 'chosen'],
      ['b', 'available'],
      ['off', 'unavailable'],
    ]);
    expect(report[1]!.lacks).toContain('window');
  });
});

describe('limits in capabilities', () => {
  it('refuses a call whose per-head arrays exceed maxBindingBytes before the kernel runs', async () => {
    let ran = false;
    const b = defineBackend({
      name: 'small',
      capabilities: capabilities([], {}, { maxBindingBytes: 256 }),
      attention: async (p) => {
        ran = true;
        return { output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) };
      },
    });
    const small = { shape: [1, 1, 8, 4], data: new Float32Array(32) };
    await expect(b.attention(small, small, small)).resolves.toBeDefined();
    ran = false;
    const long = { shape: [1, 1, 100, 4], data: new Float32Array(400) };
    await expect(b.attention(small, long, long)).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED', argument: 'k' });
    expect(ran).toBe(false);
  });
});
