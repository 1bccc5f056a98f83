/**
 * Both builds of the WebAssembly kernels, in a runtime that validates relaxed SIMD (this project runs
 * under Node 20's --experimental-wasm-relaxed-simd): the relaxed build (fused multiply-add) is the
 * default here, the plain build runs when asked, and each passes the conformance suite.
 */
import { runConformance } from '@attnkit/conformance/vitest';
import { describe, expect, it } from 'vitest';
import { createTsBackend } from './index.js';
import { variant } from './plugin-variant.test-support.js';
import { kernelVariant } from './wasm-kernels.js';

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
