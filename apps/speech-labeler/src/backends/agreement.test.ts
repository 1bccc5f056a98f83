/**
 * `label` gives the same label on at least 99.9% of frames whichever backend runs it. Every backend
 * package is tried; one that is unavailable here is skipped (visibly, with its reason), except under CI,
 * where every backend of the repository must run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWavFile } from '../audio/wav-file.js';
import { readAll, type AudioStream } from '../audio/audio-source.js';
import { loadModelFile } from '../model/model-node.js';
import { createLabeler } from '../pipeline/labeler.js';
import { generated } from '../test-support.js';
import { listEvalPairs } from '../eval/evaluate.js';
import { createNodeRegistry, NODE_BACKENDS } from './node-backends.js';

const loaded = loadModelFile();
let audio: Float32Array[] = [];
let reference: Uint8Array[] = [];

function stream(samples: Float32Array): AudioStream {
  return {
    info: {
      encoding: 'float',
      bitsPerSample: 32,
      channels: 1,
      sampleRate: 16000,
      dataOffset: 0,
      dataBytes: samples.length * 4,
      frames: samples.length,
    },
    length: samples.length,
    *blocks() {
      yield samples;
    },
  };
}

/** WebGPU without a GPU runs on a software driver (slow): it labels the first two files only. */
const filesFor = (name: string): number => (name === 'webgpu' ? 2 : audio.length);

async function labelWith(name: string): Promise<Uint8Array[] | string> {
  const registry = await createNodeRegistry();
  let selection;
  try {
    selection = await registry.select({ force: name });
  } catch (e) {
    return (e as Error).message;
  }
  const labeler = await createLabeler(selection.backend, loaded);
  const out: Uint8Array[] = [];
  for (const a of audio.slice(0, filesFor(name))) out.push((await labeler.label(stream(a))).labels);
  await labeler.dispose();
  await selection.backend.dispose();
  return out;
}

beforeAll(async () => {
  // About 20 s of held-out speech, several chunks long each so chunk edges are exercised.
  const dir = await generated('heldout', 6, 4242);
  audio = listEvalPairs(dir).map((p) => {
    const s = openWavFile(p.wav);
    try {
      return readAll(s);
    } finally {
      s.close();
    }
  });
  const labeler = await createLabeler((await import('@attnkit/backend-ts')).createTsBackend(), loaded, {
    chunk: 100_000,
  });
  reference = [];
  for (const a of audio) reference.push((await labeler.label(stream(a))).labels);
  await labeler.dispose();
});

afterAll(() => {
  audio = [];
});

describe('the same labels on every backend', () => {
  for (const { name } of NODE_BACKENDS) {
    it(`${name}: at least 99.9% of frames as backend-ts over the whole file`, async (ctx) => {
      const got = await labelWith(name);
      if (typeof got === 'string') {
        if (process.env.CI) throw new Error(`backend ${name} must run under CI: ${got}`);
        ctx.skip(`backend ${name} is unavailable here: ${got.split('\n').find((l) => l.includes(name)) ?? got}`);
        return;
      }
      let same = 0,
        total = 0;
      got.forEach((labels, i) => {
        expect(labels.length).toBe(reference[i]!.length);
        for (let t = 0; t < labels.length; t++) same += labels[t] === reference[i]![t] ? 1 : 0;
        total += labels.length;
      });
      expect(same / total).toBeGreaterThanOrEqual(0.999);
    });
  }
});
