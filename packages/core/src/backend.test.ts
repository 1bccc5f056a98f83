import { describe, expect, it } from 'vitest';
import { defineBackend } from './backend.js';
import { capabilities } from './capabilities.js';
import { AttnkitError } from './errors.js';
import { tensor } from './tensor.js';

const q = tensor(new Float32Array(8), [1, 1, 2, 4]);

describe('defineBackend', () => {
  const make = (attention = async () => ({ output: new Float32Array(8) })) =>
    defineBackend({ name: 'k', capabilities: capabilities(['causal']), attention });

  it('refuses features the backend does not declare, before running it', async () => {
    let ran = false;
    const b = make(async () => { ran = true; return { output: new Float32Array(8) }; });
    await expect(b.attention(q, q, q, { window: { left: 1, right: 1 } })).rejects.toMatchObject({ code: 'ERR_UNSUPPORTED' });
    expect(ran).toBe(false);
    await expect(b.attention(q, q, q, { causal: true })).resolves.toBeDefined();
  });

  it('wraps kernel failures in ERR_BACKEND and keeps the cause', async () => {
    const cause = new Error('device lost');
    const b = make(async () => { throw cause; });
    const err = (await b.attention(q, q, q).catch((e: unknown) => e)) as AttnkitError;
    expect(err.code).toBe('ERR_BACKEND');
    expect(err.message).toContain('device lost');
    expect(err.cause).toBe(cause);
  });

  it('returns present as past followed by this call’s keys', async () => {
    const b = defineBackend({ name: 'k', capabilities: capabilities(['past']), attention: async (p) => ({ output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim) }) });
    const past = tensor([1, 2, 3, 4], [1, 1, 1, 4]);
    const k = tensor([5, 6, 7, 8], [1, 1, 1, 4]);
    const r = await b.attention(tensor([0, 0, 0, 0], [1, 1, 1, 4]), k, k, { past: { key: past, value: past } });
    expect(Array.from(r.present!.key.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.present!.key.shape).toEqual([1, 1, 2, 4]);
  });

  it('refuses work after dispose', async () => {
    const b = make();
    await b.dispose();
    await expect(b.attention(q, q, q)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(b.dispose()).resolves.toBeUndefined();
  });
});
