/**
 * attnkit demo: select a backend for this machine, run causal self-attention and a small encoder, and
 * print what was chosen and why.
 */
import { fmtShape, formatReport, initWeights, seededRandom, select, type ModelSpec } from 'attnkit';

// The platform's backends in order; ATTNKIT_BACKEND=name forces one.
const { backend, report } = await select({ require: ['causal', 'models', 'attentionMap:probs'] });
console.log('backend selection:');
console.log(formatReport(report).replace(/^/gm, '  '));

const [B, H, S, D] = [1, 4, 256, 32];
const rng = seededRandom(1);
const rand = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const q = { shape: [B, H, S, D], data: rand(B * H * S * D) };
const k = { shape: [B, H, S, D], data: rand(B * H * S * D) };
const v = { shape: [B, H, S, D], data: rand(B * H * S * D) };
const t0 = performance.now();
const { output, attentionMap } = await backend.attention(q, k, v, { causal: true, attentionMap: 'probs' });
console.log(
  `\ncausal attention [B=${B}, H=${H}, S=${S}, D=${D}] on "${backend.name}": ${(performance.now() - t0).toFixed(1)} ms, output shape ${fmtShape(output.shape)}`,
);
console.log(
  `  row 3 of head 0 attends to keys 0..3 with probabilities ${Array.from(attentionMap!.data.subarray(3 * S, 3 * S + 4), (x) => x.toFixed(3)).join(', ')}`,
);

const spec: ModelSpec = {
  type: 'transformer-encoder',
  inputSize: 40,
  dModel: 64,
  heads: 4,
  layers: 2,
  ffnSize: 128,
  positional: { kind: 'sinusoidal' },
  attention: { window: { left: 32, right: 32 } },
  output: { kind: 'per-position', classes: 8 },
};
const model = await backend.compile(spec, initWeights(spec, { seed: 1 }));
const frames = 1000;
const t1 = performance.now();
const { logits } = await model.run({ shape: [1, frames, 40], data: rand(frames * 40) });
console.log(
  `encoder (2 layers, d_model 64, window ±32) over ${frames} frames (10 s of audio): ${(performance.now() - t1).toFixed(1)} ms, logits ${fmtShape(logits.shape)}`,
);
await model.dispose();
await backend.dispose();
