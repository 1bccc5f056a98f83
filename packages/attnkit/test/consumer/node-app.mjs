// A Node user's script: select a backend, run attention, print what happened as JSON.
import { select } from 'attnkit';

const { backend, report } = await select();
// q = k = ones, so every key is equally relevant: the output of each query is the mean of the values.
const S = 6,
  D = 4;
const ones = { shape: [1, 1, S, D], data: new Float32Array(S * D).fill(1) };
const v = { shape: [1, 1, S, D], data: Float32Array.from({ length: S * D }, (_, i) => Math.floor(i / D)) };
const { output } = await backend.attention(ones, ones, v);
console.log(JSON.stringify({ chosen: backend.name, report, first: Array.from(output.data.subarray(0, D)) }));
await backend.dispose();
