import { runConformance } from '@attnkit/conformance/vitest';
import { plugin } from './index.js';
import { variant } from './plugin-variant.test-support.js';

// Default: the WebAssembly SIMD kernels where the runtime has them, worker threads for large calls.
runConformance(plugin);
// The plain-TypeScript kernels (what runs where WebAssembly SIMD does not), on every case.
runConformance(variant('ts (plain TypeScript)', { simd: false, threads: 1 }), { fuzz: { calls: 500 } });
