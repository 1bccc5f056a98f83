// Scores ways of turning the model's per-frame outputs into labels on folders in the evaluation format
// (NAME.wav + NAME.json), against the plain argmax that the labeller uses. Nothing here changes the
// labeller: it measures whether decoding choices move the accuracy on voices the model never heard.
//
//   pnpm --filter speech-labeler build
//   node apps/speech-labeler/scripts/decode-variants.mjs apps/speech-labeler/data/unseen [more folders] [--model M --with M2]
//
// Variants, each scored on every folder (frame accuracy, 8 classes; frames the silence rule sets `sil`
// stay `sil` in every variant, as in the labeller):
// - argmax: the labeller's own decoding;
// - viterbi-N: the best label path under a penalty of N (log-probability) for each change of label;
// - warp a: the band axis warped by a (band f takes the value at f·a, as the trainer's band warp) before
//   the model; warp oracle: per utterance, the a that scores best (an upper bound, it reads the reference);
//   warp chosen: per utterance, the a with the highest mean posterior of the chosen class on speech frames;
//   warp mean: log-probabilities averaged over a = 0.9, 1, 1.1 (three encoder runs);
// - ensemble (with --with M2): log-probabilities of the two models averaged (two encoder runs).
// It also prints where the argmax errs: on the frames within two of a reference boundary, and elsewhere.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createOnnxBackend } from '@attnkit/backend-onnx';
import { openWavFile } from '../dist/audio/wav-file.js';
import { listEvalPairs } from '../dist/eval/evaluate.js';
import { parseSegmentsJson, segmentsToFrames } from '../dist/labels/segments.js';
import { loadModelFile, DEFAULT_MODEL_PATH } from '../dist/model/model-node.js';
import { createLabeler } from '../dist/pipeline/labeler.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { model: { type: 'string', default: DEFAULT_MODEL_PATH }, with: { type: 'string' } },
});
if (positionals.length === 0) {
  console.error('usage: decode-variants.mjs FOLDER... [--model model.json] [--with other-model.json]');
  process.exit(2);
}
const ALPHAS = [0.85, 0.9, 0.95, 1, 1.05, 1.1, 1.15];
const PENALTIES = [1, 2, 4];

/** Rows of `logits` [T, C] as log-probabilities, in place. */
function logSoftmax(z, T, C) {
  for (let t = 0; t < T; t++) {
    let m = -Infinity;
    for (let c = 0; c < C; c++) m = Math.max(m, z[t * C + c]);
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(z[t * C + c] - m);
    const ls = m + Math.log(s);
    for (let c = 0; c < C; c++) z[t * C + c] -= ls;
  }
  return z;
}

function argmax(lp, T, C) {
  const out = new Uint8Array(T);
  for (let t = 0; t < T; t++) {
    let b = 0;
    for (let c = 1; c < C; c++) if (lp[t * C + c] > lp[t * C + b]) b = c;
    out[t] = b;
  }
  return out;
}

/** The path maximising Σ log p − penalty · (changes of label). */
function viterbi(lp, T, C, penalty) {
  let d = Float64Array.from(lp.subarray(0, C));
  const back = new Uint8Array(T * C);
  for (let t = 1; t < T; t++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (d[c] > d[best]) best = c;
    const next = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      const stay = d[c],
        move = d[best] - penalty;
      back[t * C + c] = stay >= move ? c : best;
      next[c] = Math.max(stay, move) + lp[t * C + c];
    }
    d = next;
  }
  const path = new Uint8Array(T);
  let c = 0;
  for (let k = 1; k < C; k++) if (d[k] > d[c]) c = k;
  for (let t = T - 1; t >= 0; t--) {
    path[t] = c;
    c = back[t * C + c];
  }
  return path;
}

/** Features [T, F] with the band axis warped by a (linear interpolation, clamped at the ends). */
function warp(x, T, F, a) {
  const y = new Float32Array(x.length);
  for (let f = 0; f < F; f++) {
    const pos = Math.min(Math.max(f * a, 0), F - 1),
      lo = Math.floor(pos),
      hi = Math.min(lo + 1, F - 1),
      w = pos - lo;
    for (let t = 0; t < T; t++) y[t * F + f] = x[t * F + lo] * (1 - w) + x[t * F + hi] * w;
  }
  return y;
}

const backend = await createOnnxBackend();
const open = async (path) => createLabeler(backend, loadModelFile(path));
const labeler = await open(values.model);
const other = values.with ? await open(values.with) : undefined;
const F = labeler.loaded.file.features.bands;
const C = labeler.model.spec.output.classes;
const logProbs = async (l, x, T) => {
  const { logits } = await l.model.run({ shape: [1, T, F], data: x }, { lengths: new Int32Array([T]) });
  return logSoftmax(Float32Array.from(logits.data), T, C);
};

for (const dir of positionals) {
  const right = new Map();
  let frames = 0;
  // Frames within two of a reference boundary (the two on either side of it), and elsewhere: [frames, errors].
  const near = [0, 0],
    far = [0, 0];
  const add = (name, n) => right.set(name, (right.get(name) ?? 0) + n);
  for (const p of listEvalPairs(dir)) {
    const stream = openWavFile(p.wav);
    const r = await labeler.label(stream);
    stream.close();
    const T = r.labels.length;
    const ref = segmentsToFrames(parseSegmentsJson(readFileSync(p.json, 'utf8'), p.json), T);
    const base = await logProbs(labeler, r.features, T);
    const plain = argmax(base, T, C);
    // Frames the silence rule set to sil, where the model said otherwise: sil in every variant.
    const gated = plain.map((c, t) => (r.labels[t] === 0 && c !== 0 ? 1 : 0));
    const final = (c, t) => (gated[t] ? 0 : c);
    const score = (labels) => labels.reduce((n, c, t) => n + (final(c, t) === ref[t] ? 1 : 0), 0);
    frames += T;
    add('argmax', score(plain));
    const isNear = new Uint8Array(T);
    for (let t = 0; t + 1 < T; t++) if (ref[t] !== ref[t + 1]) isNear.fill(1, Math.max(0, t - 1), Math.min(T, t + 3));
    for (let t = 0; t < T; t++) {
      const tally = isNear[t] ? near : far;
      tally[0]++;
      if (final(plain[t], t) !== ref[t]) tally[1]++;
    }
    for (const pen of PENALTIES) add(`viterbi-${pen}`, score(viterbi(base, T, C, pen)));
    const warped = [];
    for (const a of ALPHAS) warped.push(a === 1 ? base : await logProbs(labeler, warp(r.features, T, F, a), T));
    const warpedLabels = warped.map((lp) => argmax(lp, T, C));
    const perAlpha = warpedLabels.map(score);
    ALPHAS.forEach((a, i) => add(`warp ${a}`, perAlpha[i]));
    add('warp oracle', Math.max(...perAlpha));
    const confidence = (lp, lab) => {
      let s = 0,
        n = 0;
      for (let t = 0; t < T; t++)
        if (lab[t] !== 0 && !gated[t]) {
          s += Math.exp(lp[t * C + lab[t]]);
          n++;
        }
      return n ? s / n : 0;
    };
    const conf = warped.map((lp, i) => confidence(lp, warpedLabels[i]));
    add('warp chosen', perAlpha[conf.indexOf(Math.max(...conf))]);
    const mean = new Float32Array(T * C);
    for (const a of [0.9, 1, 1.1]) {
      const lp = warped[ALPHAS.indexOf(a)];
      for (let i = 0; i < mean.length; i++) mean[i] += lp[i] / 3;
    }
    add('warp mean', score(argmax(mean, T, C)));
    if (other) {
      const lp2 = await logProbs(other, r.features, T);
      add(
        'ensemble',
        score(
          argmax(
            base.map((v, i) => (v + lp2[i]) / 2),
            T,
            C,
          ),
        ),
      );
    }
  }
  console.log(`${dir}: ${frames} frames`);
  for (const [name, n] of right) console.log(`  ${name.padEnd(12)} ${(n / frames).toFixed(4)}`);
  const pct = (n, d) => `${((100 * n) / d).toFixed(1)}%`;
  console.log(
    `  argmax errors: ${pct(near[1], near[0])} of the ${near[0]} frames within two of a boundary, ` +
      `${pct(far[1], far[0])} of the others; ${pct(near[1], near[1] + far[1])} of the errors are near a boundary`,
  );
}
await labeler.dispose();
await other?.dispose();
await backend.dispose();
