#!/usr/bin/env node
// Time and peak memory of one attention head (B=1, H=1, D=64) on backend-ts, dense and with a window of
// 128 on each side, for growing S. Each configuration runs in its own process so that its peak resident
// memory (maxRSS) is its own; "inputs" is the size of q, k, v and the output, so "extra" shows what the
// algorithm needs beyond them (an S×S float32 matrix would be 4·S² bytes).
//
// The backend runs with its defaults (every hardware thread); a small call first starts the worker pool,
// so the times are of the call alone.
//
// Usage (after `pnpm build`): node packages/backend-ts/scripts/scaling.mjs [--sizes 4096,16384,65536] [--modes dense,window]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    child: { type: 'string' },
    sizes: { type: 'string', default: '4096,16384,65536' },
    modes: { type: 'string', default: 'window,dense' },
  },
});

const D = 64;
if (values.child) {
  const [S, mode] = [Number(values.child.split(':')[0]), values.child.split(':')[1]];
  const { createTsBackend } = await import('../dist/index.js');
  const backend = createTsBackend();
  const base = process.resourceUsage().maxRSS;
  const rnd = (n) => {
    const a = new Float32Array(n);
    let x = 1;
    for (let i = 0; i < n; i++) {
      x = (x * 16807) % 2147483647;
      a[i] = x / 2147483647 - 0.5;
    }
    return a;
  };
  const t = () => ({ shape: [1, 1, S, D], data: rnd(S * D) });
  const q = t(),
    k = t(),
    v = t();
  const opts = mode === 'window' ? { window: { left: 128, right: 128 } } : {};
  // Warm up: start the worker pool and compile the kernels on a small call first.
  const w = { shape: [1, 1, 512, D], data: rnd(512 * D) };
  await backend.attention(w, w, w);
  const start = performance.now();
  const r = await backend.attention(q, k, v, opts);
  const ms = performance.now() - start;
  const peak = process.resourceUsage().maxRSS;
  const keys = mode === 'window' ? Math.min(S, 257) : S;
  console.log(
    JSON.stringify({
      S,
      mode,
      ms,
      peakKiB: peak,
      baseKiB: base,
      inputsKiB: (4 * S * D * 4) / 1024,
      gflops: (4 * S * keys * D) / (ms * 1e6),
      check: r.output.data[0],
    }),
  );
  process.exit(0);
}

const rows = [];
for (const mode of values.modes.split(',')) {
  for (const S of values.sizes.split(',').map(Number)) {
    const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', `${S}:${mode}`], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const r = JSON.parse(out.trim().split('\n').at(-1));
    rows.push(r);
    const extra = (r.peakKiB - r.baseKiB - r.inputsKiB) / 1024;
    console.log(
      `${mode.padEnd(6)} S=${String(S).padStart(6)}  time ${(r.ms / 1000).toFixed(2).padStart(8)} s  ${r.gflops.toFixed(2)} GFLOP/s  peak RSS ${(r.peakKiB / 1024).toFixed(0).padStart(5)} MiB  (inputs+output ${(r.inputsKiB / 1024).toFixed(0)} MiB, beyond them ${extra.toFixed(0)} MiB; an S×S matrix would be ${((4 * S * S) / 2 ** 20).toFixed(0)} MiB)`,
    );
  }
}
