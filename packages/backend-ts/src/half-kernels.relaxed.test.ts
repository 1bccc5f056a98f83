import { describe } from 'vitest';
import { halfKernelTests } from './half-kernels.test-support.js';

describe('float16 conversion kernels, both builds', () => {
  halfKernelTests('relaxed-simd');
  halfKernelTests('simd');
});
