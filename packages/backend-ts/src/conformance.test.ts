import { runConformance } from '@attnkit/conformance/vitest';
import { plugin } from './index.js';
import { variant } from './plugin-variant.test-support.js';
import { createTsEngine } from './ts-backend.js';

// Default: the WebAssembly SIMD kernels where the runtime has them, worker threads for large calls, all on
// one shared WebAssembly memory.
runConformance(plugin);
// The plain-TypeScript kernels (what runs where WebAssembly SIMD does not), on every case.
runConformance(variant('ts (plain TypeScript)', { simd: false, threads: 1 }), { fuzz: { calls: 500 } });
// The SIMD kernels on an unshared memory, on one thread: what runs where SharedArrayBuffer does not (pages
// that are not cross-origin isolated). Core then has no views of the memory and copies handles out.
runConformance(
  {
    name: 'ts (unshared memory)',
    capabilities: plugin.capabilities!,
    probe: () => plugin.probe(),
    create: async () => createTsEngine({}, { shared: false }).backend,
  },
  { fuzz: { calls: 500 } },
);
