import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

export default defineProject({
  resolve: {
    alias: [
      ...workspaceAliases(),
      { find: /^#pool-platform$/, replacement: fileURLToPath(new URL('./src/pool-node.ts', import.meta.url)) },
    ],
  },
  test: { name: 'backend-ts' },
});
