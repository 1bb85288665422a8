import { defineConfig } from 'vitest/config';

// Separate from vite.config.ts: the client build sets a Vite `root` that would hide test/.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One throwaway PostgreSQL server for the whole run (test/helpers/postgres.ts).
    globalSetup: ['test/helpers/postgres-global-setup.ts'],
    // @fastify/autoload imports the route and plugin files itself; run it through Vite so those
    // imports load the TypeScript sources in the same module graph as the tests.
    server: { deps: { inline: ['@fastify/autoload'] } },
  },
});
