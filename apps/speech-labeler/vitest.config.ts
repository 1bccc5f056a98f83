import { defineProject } from 'vitest/config';
import { workspaceAliases } from '../../vitest.shared.js';

export default defineProject({
  resolve: { alias: workspaceAliases() },
  test: {
    name: 'speech-labeler',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    setupFiles: ['src/test-tmpdir.ts'],
  },
});
