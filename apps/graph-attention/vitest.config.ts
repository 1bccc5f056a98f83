import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: { name: 'graph-attention', testTimeout: 120_000, hookTimeout: 120_000 },
});
