#!/usr/bin/env node
// A 4-layer encoder (d_model 64, 4 heads, FFN 256, window ±64) over one hour of 10 ms frames
// (360,000 frames of 40 features) on backend-ts: time and peak resident memory.
//
// Usage (after `pnpm build`): node packages/backend-ts/scripts/long-encoder.mjs [--frames 360000]
import { parseArgs } from 'node:util';
import { fmtShape, initWeights } from '@attnkit/core';
import { createTsBackend } from '../dist/index.js';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '360000' } } });
const S = Number(values.frames);
const spec = {
  type: 'transformer-encoder',
  inputSize: 40,
  dModel: 64,
  heads: 4,
  layers: 4,
  ffnSize: 256,
  positional: { kind: 'sinusoidal' },
  attention: { window: { left: 64, right: 64 } },
  output: { kind: 'per-position', classes: 8 },
};
const backend = createTsBackend();
const model = await backend.compile(spec, initWeights(spec, { seed: 1 }));
const input = new Float32Array(S * 40);
for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.37) * 0.5;
const before = process.resourceUsage().maxRSS;
const t0 = performance.now();
const { logits } = await model.run({ shape: [1, S, 40], data: input });
const ms = performance.now() - t0;
const peak = process.resourceUsage().maxRSS;
let finite = true;
for (const x of logits.data) if (!Number.isFinite(x)) finite = false;
console.log(
  `frames ${S} (${(S / 100 / 60).toFixed(1)} min of audio): ${(ms / 1000).toFixed(1)} s, ${(S / 100 / (ms / 1000)).toFixed(1)}x real time; ` +
    `peak RSS ${(peak / 1024).toFixed(0)} MiB (before the run ${(before / 1024).toFixed(0)} MiB; input ${(input.byteLength / 2 ** 20).toFixed(0)} MiB); logits ${fmtShape(logits.shape)} finite: ${finite}`,
);
await model.dispose();
