import { fileURLToPath } from 'node:url';
import { configDefaults, defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

export default defineProject({
  resolve: {
    alias: [
      ...workspaceAliases(),
      { find: /^#pool-platform$/, replacement: fileURLToPath(new URL('./src/pool-node.ts', import.meta.url)) },
    ],
  },
  // The relaxed-SIMD tests run in their own project, under the flag Node 20 needs (vitest.relaxed.config.ts).
  test: { name: 'backend-ts', exclude: [...configDefaults.exclude, 'src/**/*.relaxed.test.ts'] },
});
