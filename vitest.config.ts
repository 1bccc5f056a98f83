import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'packages/backend-ts/vitest.relaxed.config.ts', 'apps/*', 'tools/local-web'],
  },
});
