import type { BackendPlugin } from '@attnkit/core';
import { runConformance } from '@attnkit/conformance/vitest';
import { plugin, type TsBackendOptions } from './index.js';

/** The same plugin with fixed create options, under its own name in the report. */
function variant(name: string, options: TsBackendOptions): BackendPlugin {
  return {
    name,
    capabilities: plugin.capabilities!,
    probe: () => plugin.probe(),
    create: () => plugin.create(options),
  };
}

// Default: the WebAssembly SIMD kernels where the runtime has them, worker threads for large calls.
runConformance(plugin);
// The plain-TypeScript kernels (what runs where WebAssembly SIMD does not), on every case.
runConformance(variant('ts (plain TypeScript)', { simd: false, threads: 1 }), { fuzz: { calls: 500 } });
