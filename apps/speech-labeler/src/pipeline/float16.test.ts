/**
 * `--dtype float16`: the model holds its weights in float16 on the backends that declare `models:float16`
 * (ts, onnx), and labels a generated utterance as in float32 on at least 99% of its frames; tfjs, which lacks
 * the feature, is refused with the backend and the feature named (the library and the CLI).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '@attnkit/core';
import { createOnnxBackend } from '@attnkit/backend-onnx';
import { createTfjsBackend } from '@attnkit/backend-tfjs';
import { createTsBackend } from '@attnkit/backend-ts';
import { openWavFile } from '../audio/wav-file.js';
import { loadModelFile } from '../model/model-node.js';
import { generated, runCli } from '../test-support.js';
import { createLabeler, type ModelDtype } from './labeler.js';

const loaded = loadModelFile();
let wav: string;

beforeAll(async () => {
  wav = join(await generated('heldout', 1, 6116), 'heldout-00000.wav');
});

async function labels(backend: Backend, dtype: ModelDtype): Promise<{ labels: Uint8Array; confidence: Float32Array }> {
  const labeler = await createLabeler(backend, loaded, {}, { dtype });
  try {
    expect(labeler.dtype).toBe(dtype);
    expect(labeler.model.dtype).toBe(dtype);
    const s = openWavFile(wav);
    try {
      return await labeler.label(s);
    } finally {
      s.close();
    }
  } finally {
    await labeler.dispose();
  }
}

describe('float16 weights', () => {
  const backends: Backend[] = [];
  afterAll(async () => {
    for (const b of backends) await b.dispose();
  });

  for (const [name, create] of [
    ['ts', () => createTsBackend()],
    ['onnx', () => createOnnxBackend()],
  ] as const) {
    it(`${name}: float16 labels agree with float32 on at least 99% of the frames`, async () => {
      const backend = await create();
      backends.push(backend);
      const f32 = await labels(backend, 'float32');
      const f16 = await labels(backend, 'float16');
      // The float16 weights change the numbers (the model did not run in float32)...
      expect(f16.confidence).not.toEqual(f32.confidence);
      // ...and hardly the labels.
      const full = f32.labels,
        half = f16.labels;
      expect(half.length).toBe(full.length);
      expect(full.length).toBeGreaterThan(100);
      let same = 0;
      for (let t = 0; t < full.length; t++) same += full[t] === half[t] ? 1 : 0;
      const agreement = same / full.length;
      console.info(`${name}: float16 and float32 labels agree on ${same} of ${full.length} frames (${agreement})`);
      expect(agreement).toBeGreaterThanOrEqual(0.99);
    });
  }

  it('is refused on tfjs, naming the backend and the feature', async () => {
    const backend = await createTfjsBackend({ backend: 'cpu' });
    backends.push(backend);
    await expect(createLabeler(backend, loaded, {}, { dtype: 'float16' })).rejects.toThrow(
      /backend "tfjs" lacks the feature models:float16/,
    );
  });

  it('is an option of label and eval; tfjs is refused with exit code 1', async () => {
    const r = await runCli('label', wav, '--backend', 'tfjs', '--dtype', 'float16');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: backend "tfjs" lacks the feature models:float16/);
    const bad = await runCli('label', wav, '--backend', 'ts', '--dtype', 'int8');
    expect(bad.stderr).toBe('error: --dtype: expected float32 or float16, got "int8"\n');
    const ok = await runCli('label', wav, '--backend', 'ts', '--dtype', 'float16', '--format', 'csv');
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('start,end,label');
    for (const command of ['label', 'eval'])
      expect((await runCli(command, '--help')).stdout).toMatch(/--dtype <dtype>\s+Precision of the model weights/);
  });
});
