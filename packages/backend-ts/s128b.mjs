import { plugin } from '@attnkit/backend-ts';
const S = Number(process.argv[2] ?? 128),
  H = 8,
  D = 64;
const rnd = (n) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() - 0.5;
  return a;
};
const t = () => ({ shape: [1, H, S, D], data: rnd(H * S * D) });
const q = t(),
  k = t(),
  v = t();
process.on('beforeExit', () => console.log('beforeExit at call', i));
let i = 0;
const be = await plugin.create({ maxBytes: Infinity });
await be.attention(q, k, v);
globalThis.gc?.();
const t0 = performance.now();
for (; i < 3000; i++) {
  await be.attention(q, k, v);
}
console.log('done', i, ((performance.now() - t0) / i).toFixed(3), 'ms/call');
await be.dispose();
