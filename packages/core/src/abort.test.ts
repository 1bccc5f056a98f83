import { describe, expect, it } from 'vitest';
import { defineBackend } from './backend.js';
import { capabilities } from './capabilities.js';
import { AbortedError } from './errors.js';
import { tensor } from './tensor.js';
import { initWeights } from './weights.js';

// q = k = ones, v rows 0 and 1: each query sees both keys equally, so the output is their mean, 0.5.
const q = tensor(new Float32Array(8).fill(1), [1, 1, 2, 4]);
const v = tensor(
  Float32Array.from({ length: 8 }, (_, i) => (i < 4 ? 0 : 1)),
  [1, 1, 2, 4],
);
const sizes = { inputSize: 2, dModel: 4, heads: 1, layers: 1, ffnSize: 4 } as const;
const spec = { type: 'transformer-encoder', ...sizes, output: { kind: 'per-position', classes: 2 } } as const;

/** A backend whose kernels wait until released, counting what they were asked to do. */
function slowBackend() {
  const state = { attentionCalls: 0, compiled: 0, freed: 0, runs: 0, release: [] as (() => void)[] };
  const later = <T>(value: () => T): Promise<T> => new Promise((resolve) => state.release.push(() => resolve(value())));
  const backend = defineBackend({
    name: 'slow',
    capabilities: capabilities(['models']),
    attention: (p) => {
      state.attentionCalls++;
      return later(() => ({ output: new Float32Array(p.batch * p.qHeads * p.qLength * p.valueDim).fill(0.5) }));
    },
    compile: () => {
      state.compiled++;
      return later(() => ({
        run: (req) => {
          state.runs++;
          return later(() => ({ logits: new Float32Array(req.batch * req.length * 2) }));
        },
        dispose: () => {
          state.freed++;
        },
      }));
    },
  });
  const releaseAll = async (): Promise<void> => {
    for (const r of state.release.splice(0)) r();
    await new Promise((r) => setTimeout(r, 0));
  };
  return { backend, state, releaseAll };
}

describe('AbortSignal', () => {
  it('an already aborted signal rejects attention with ERR_ABORTED before the kernel runs', async () => {
    const { backend, state } = slowBackend();
    const reason = new Error('user gave up');
    const e = await backend.attention(q, q, v, { signal: AbortSignal.abort(reason) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(AbortedError);
    expect(e).toMatchObject({ code: 'ERR_ABORTED', argument: 'options.signal', cause: reason });
    expect(state.attentionCalls).toBe(0);
  });

  it('aborting while the kernel runs rejects at once; the backend stays usable', async () => {
    const { backend, releaseAll } = slowBackend();
    const controller = new AbortController();
    const call = backend.attention(q, q, v, { signal: controller.signal }).catch((x: unknown) => x);
    await new Promise((r) => setTimeout(r, 0));
    controller.abort();
    // Settles without the kernel finishing.
    expect(await call).toMatchObject({ code: 'ERR_ABORTED' });
    await releaseAll();
    const next = backend.attention(q, q, v);
    await releaseAll();
    const { output } = await next;
    expect(Array.from(output.data)).toEqual(Array.from({ length: 8 }, () => 0.5));
  });

  it('a signal that never aborts changes nothing, and the options pass their usual check', async () => {
    const { backend, releaseAll } = slowBackend();
    const call = backend.attention(q, q, v, { signal: new AbortController().signal, causal: false });
    await releaseAll();
    expect((await call).output.shape).toEqual([1, 1, 2, 4]);
    await expect(backend.attention(q, q, v, { signal: 'stop' as never })).rejects.toMatchObject({
      code: 'ERR_TYPE',
      argument: 'options.signal',
    });
    await expect(
      backend.attention(q, q, v, { signal: new AbortController().signal, nope: 1 } as never),
    ).rejects.toMatchObject({ code: 'ERR_OPTION' });
  });

  it('an aborted compile rejects, and the model the kernel still finishes is disposed', async () => {
    const { backend, state, releaseAll } = slowBackend();
    const controller = new AbortController();
    const compiling = backend.compile(spec, initWeights(spec), { signal: controller.signal }).catch((x: unknown) => x);
    await new Promise((r) => setTimeout(r, 0));
    expect(state.compiled).toBe(1);
    controller.abort();
    expect(await compiling).toMatchObject({ code: 'ERR_ABORTED' });
    expect(state.freed).toBe(0);
    await releaseAll();
    expect(state.freed).toBe(1);
    await expect(backend.compile(spec, initWeights(spec), { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
    expect(state.compiled).toBe(1);
  });

  it('an aborted model.run rejects; the model runs again afterwards', async () => {
    const { backend, state, releaseAll } = slowBackend();
    const compiling = backend.compile(spec, initWeights(spec));
    await releaseAll();
    const model = await compiling;
    const input = tensor(new Float32Array(1 * 3 * 2), [1, 3, 2]);
    await expect(model.run(input, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(state.runs).toBe(0);
    const controller = new AbortController();
    const running = model.run(input, { signal: controller.signal }).catch((x: unknown) => x);
    await new Promise((r) => setTimeout(r, 0));
    controller.abort();
    expect(await running).toMatchObject({ code: 'ERR_ABORTED' });
    await releaseAll();
    const again = model.run(input);
    await releaseAll();
    expect((await again).logits.shape).toEqual([1, 3, 2]);
    await model.dispose();
    expect(state.freed).toBe(1);
  });
});
