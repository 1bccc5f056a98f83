// Child process of dispose-exit.test.ts: its only work is attention calls and then dispose(); started with
// an IPC channel, which stops holding the process once the one message it waits for has come.
import { createTsBackend } from '../dist/index.js';

process.once('message', async () => {
  const S = 128,
    H = 8,
    D = 64;
  const t = (seed) => ({
    shape: [1, H, S, D],
    data: Float32Array.from({ length: H * S * D }, (_, i) => Math.sin(i * seed)),
  });
  const q = t(1),
    k = t(2),
    v = t(3);
  const backend = createTsBackend({ threads: 2 });
  const start = performance.now();
  while (performance.now() - start < 300) await backend.attention(q, k, v);
  await backend.dispose();
  process.send('disposed', () => process.exit(0));
});
