import type { BackendPlugin } from '@attnkit/core';
import { runConformance } from '@attnkit/conformance/vitest';
import { plugin, type TfjsBackendOptions } from './index.js';

/** The same plugin with fixed create options, under its own name in the report. */
function variant(name: string, options: TfjsBackendOptions): BackendPlugin {
  return { name, probe: () => plugin.probe(), create: () => plugin.create(options) };
}

// Default: tfjs's wasm backend (falls back to cpu only where wasm cannot start).
runConformance(plugin);
runConformance(variant('tfjs (cpu)', { backend: 'cpu' }));
// Query rows in chunks of a few rows (B·Hq·T·rows <= 64): the chunked path against the same reference.
runConformance(variant('tfjs (wasm, chunked)', { backend: 'wasm', chunkElements: 64 }), {
  filter: /^attention\/(causal|window-causal|bias-mask-4d|key-lengths|graph|alibi|all-masked-row|weights-|past-|random-)/,
});
