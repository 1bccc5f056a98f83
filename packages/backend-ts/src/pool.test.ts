import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { attentionCase, makeInputs } from '@attnkit/conformance';
import { biasMask, seededRandom } from '@attnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createTsBackend } from './index.js';

// Calls large enough to be split over worker threads must match the float64 reference exactly as the
// single-threaded path does, whatever the mask.
describe('backend-ts with worker threads', () => {
  const threaded = createTsBackend({ threads: 2 });
  const single = createTsBackend({ threads: 1 });
  afterAll(async () => {
    await threaded.dispose();
    await single.dispose();
  });
  // Large enough (2·4·300·330·(32+28) multiply-adds) to go to the workers.
  const shape = { B: 2, Hq: 4, Hkv: 2, Sq: 300, Sk: 330, Dk: 32, Dv: 28 };
  const { q, k, v } = makeInputs(shape, 7);
  const rng = seededRandom(3);
  const optionSets = {
    dense: {},
    causal: { causal: true },
    window: { window: { left: 17, right: 5 } },
    'key-padding': { keyPadding: [330, 101], causal: true },
    'bias-mask': {
      mask: biasMask(
        Float32Array.from({ length: 300 * 330 }, () => (rng.next() < 0.1 ? -Infinity : rng.uniform(-1, 1))),
        [300, 330],
      ),
    },
    softcap: { softcap: 2, alibi: [0.5, 0.25, 0.125, 0.0625] },
  };
  for (const [name, options] of Object.entries(optionSets)) {
    it(`matches the reference: ${name}`, async () => {
      await attentionCase(name, q, k, v, options).run(threaded);
      const a = await threaded.attention(q, k, v, options);
      const b = await single.attention(q, k, v, options);
      expect(a.output.data).toEqual(b.output.data);
      // Its own memory, exactly its size: not a view of the workers' shared memory.
      expect(a.output.data.buffer).not.toBeInstanceOf(SharedArrayBuffer);
      expect(a.output.data.buffer.byteLength).toBe(2 * 4 * 300 * 28 * 4);
    });
  }
  it('reports its threads', () => {
    expect(threaded.info.threads).toBe(2);
    expect(single.info.threads).toBe(1);
  });
});

/** Runs `body` as an ES module script (`-e`, so with --input-type) after importing the built backend. */
async function runScript(body: string): Promise<string> {
  const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  const script = `const { createTsBackend } = await import(${JSON.stringify(entry)});\n${body}`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    timeout: 30_000,
  });
  return stdout.trim();
}

describe('process exit', () => {
  it('a process that never disposes the backend still exits after its work', async () => {
    const stdout = await runScript(`
      const b = createTsBackend({ threads: 2 });
      const t = { shape: [1, 4, 512, 32], data: new Float32Array(4 * 512 * 32).fill(0.5) };
      const r = await b.attention(t, t, t);
      console.log(r.output.data[0], b.info.threads);`);
    const [value, threads] = stdout.split(' ').map(Number);
    expect(value).toBeCloseTo(0.5, 5);
    // The workers started (a script given with -e runs with --input-type, which a worker refuses).
    expect(threads).toBe(2);
  }, 40_000);

  it('a process whose last call was a small one exits while the worker that helped is still watching', async () => {
    // 1·8·64·64·128 multiply-adds: shared by the calling thread and one worker, which watches after it.
    const stdout = await runScript(`
      const b = createTsBackend({ threads: 2 });
      const t = { shape: [1, 8, 64, 64], data: new Float32Array(8 * 64 * 64).fill(0.25) };
      let r;
      for (let i = 0; i < 50; i++) r = await b.attention(t, t, t);
      console.log(r.output.data[0], b.info.threads);`);
    const [value, threads] = stdout.split(' ').map(Number);
    expect(value).toBeCloseTo(0.25, 6);
    expect(threads).toBe(2);
  }, 40_000);
});
