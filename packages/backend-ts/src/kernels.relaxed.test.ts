/**
 * Both builds of the WebAssembly kernels, in a runtime that validates relaxed SIMD (this project runs
 * under Node 20's --experimental-wasm-relaxed-simd): the relaxed build (fused multiply-add) is the
 * default here, the plain build runs when asked, and each passes the conformance suite.
 */
import type { BackendPlugin } from '@attnkit/core';
import { runConformance } from '@attnkit/conformance/vitest';
import { describe, expect, it } from 'vitest';
import { createTsBackend, plugin, type TsBackendOptions } from './index.js';
import { kernelVariant } from './wasm-kernels.js';

function variant(name: string, options: TsBackendOptions): BackendPlugin {
  return {
    name,
    capabilities: plugin.capabilities!,
    probe: () => plugin.probe(),
    create: () => plugin.create(options),
  };
}

describe('kernel builds', () => {
  it('takes the relaxed-SIMD build where it validates, the plain one when asked', async () => {
    expect(kernelVariant()).toBe('relaxed-simd');
    expect(kernelVariant(false)).toBe('simd');
    const relaxed = createTsBackend();
    const plain = createTsBackend({ relaxedSimd: false });
    expect(relaxed.info.kernels).toBe('relaxed-simd');
    expect(plain.info.kernels).toBe('simd');
    await relaxed.dispose();
    await plain.dispose();
  });
});

runConformance(variant('ts (relaxed SIMD)', {}));
runConformance(variant('ts (plain SIMD)', { relaxedSimd: false }));
