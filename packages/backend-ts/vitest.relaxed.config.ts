// A second project for the relaxed-SIMD kernels: Node 20's V8 validates relaxed SIMD only with
// --experimental-wasm-relaxed-simd (Node 22 and later ship it), so this project runs its tests under that
// flag there; worker threads inherit it. The main project runs whatever the plain runtime validates.
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

const major = Number(process.versions.node.split('.')[0]);

export default defineProject({
  resolve: {
    alias: [
      ...workspaceAliases(),
      { find: /^#pool-platform$/, replacement: fileURLToPath(new URL('./src/pool-node.ts', import.meta.url)) },
    ],
  },
  test: {
    name: 'backend-ts-relaxed',
    include: ['src/**/*.relaxed.test.ts'],
    execArgv: major < 22 ? ['--experimental-wasm-relaxed-simd'] : [],
  },
});
