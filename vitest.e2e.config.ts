import { defineConfig } from 'vitest/config';

// Browser suite: real server process + Debian chromium through playwright-core.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    // One desk (setup CLI + server process) for every file; see test/e2e/global-setup.ts.
    globalSetup: ['test/e2e/global-setup.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
