import type { BackendPlugin } from '@attnkit/core';
import { runConformance } from '@attnkit/conformance/vitest';
import { plugin, type TfjsBackendOptions } from './index.js';

/** The same plugin with fixed create options, under its own name in the report. */
function variant(name: string, options: TfjsBackendOptions): BackendPlugin {
  return { name, probe: () => plugin.probe(), create: () => plugin.create(options) };
}

// Default: tfjs's wasm backend (falls back to cpu only where wasm cannot start), strategy chosen by size.
runConformance(plugin);
runConformance(variant('tfjs (cpu)', { backend: 'cpu' }));
// Each strategy on every case, whatever the size.
runConformance(variant('tfjs (wasm, per-head)', { backend: 'wasm', strategy: 'per-head' }));
runConformance(variant('tfjs (wasm, batched)', { backend: 'wasm', strategy: 'batched' }));
// Query rows in chunks of a few rows (B·Hq·T·rows <= 64): the chunked paths against the same reference.
const chunked =
  /^attention\/(causal|window-causal|bias-mask-4d|key-lengths|graph|alibi|all-masked-row|weights-|past-|random-)/;
for (const strategy of ['per-head', 'batched'] as const) {
  runConformance(variant(`tfjs (wasm, ${strategy}, chunked)`, { backend: 'wasm', strategy, chunkElements: 64 }), {
    filter: chunked,
  });
}
