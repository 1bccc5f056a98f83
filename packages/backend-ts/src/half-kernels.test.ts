import { describe } from 'vitest';
import { halfKernelTests } from './half-kernels.test-support.js';
import { kernelVariant } from './wasm-kernels.js';

// The build this runtime takes without flags (plain SIMD on Node 20); the relaxed project runs both.
describe('float16 conversion kernels', () => {
  halfKernelTests(kernelVariant(false)!);
});
