import { defineConfig } from 'vitest/config';

/**
 * The server suites on PostgreSQL (issue 14): test/server/** and test/cli/** again, every app the
 * desk fixture builds on a fresh database of the run's PostgreSQL server (test/helpers/app.ts).
 * Left out, each for its reason (docs/OPERATIONS.md, "Tests on PostgreSQL", keeps the same list):
 */
const NOT_ON_POSTGRES = [
  // Tests of SQLite itself: the WAL fsync barrier and group commit on a raw better-sqlite3
  // connection (PostgreSQL's COMMIT is its own barrier), SQLite's online backup API and its CLI.
  'test/server/foundation/durability-barrier.test.ts',
  'test/server/foundation/group-commit.test.ts',
  // The writer thread owns a second SQLite connection to the file (PostgreSQL writes on the loop).
  'test/server/tickets/writer-thread.test.ts',
  'test/server/foundation/backup.test.ts',
  // The data dir's sealdesk.db file (created 0600, reopened after a restart) and the query planner
  // of SQLite (EXPLAIN QUERY PLAN); a full disk and a read-only file as SQLite reports them.
  'test/server/foundation/data-dir.test.ts',
  'test/server/queue/plan.test.ts',
  'test/server/hardening/storage.test.ts',
  // Server processes (kill -9 mid-burst, descriptors, slow clients, the setup URL, backup and
  // restore of the file) on a SQLite data dir; server processes on PostgreSQL are the multi-node
  // suite's (test/multinode) and pg_dump backup is test/db/pg-backup.test.ts.
  'test/server/foundation/process.test.ts',
  'test/server/reliability/durability.test.ts',
  'test/server/reliability/chunk-durability.test.ts',
  'test/server/reliability/backup.test.ts',
  'test/server/hardening/descriptors.test.ts',
  'test/server/hardening/slow-clients.test.ts',
  // The operator CLI's backup and audit-verify read the SQLite file directly.
  'test/cli/operator.test.ts',
  // No app or database: pure functions and argument parsing, the same on either backend.
  'test/server/foundation/config.test.ts',
  'test/cli/flags.test.ts',
  'test/cli/boundaries.test.ts',
  // Already on PostgreSQL in the default run (it builds its own database).
  'test/server/postgres/**',
];

const shared = {
  environment: 'node' as const,
  testTimeout: 60_000,
  hookTimeout: 60_000,
  pool: 'forks' as const,
  // One throwaway PostgreSQL server for the whole run (test/helpers/postgres.ts).
  globalSetup: ['test/helpers/postgres-global-setup.ts'],
  // @fastify/autoload imports the route and plugin files itself; run it through Vite so those
  // imports load the TypeScript sources in the same module graph as the tests.
  server: { deps: { inline: ['@fastify/autoload'] } },
};

// Separate from vite.config.ts: the client build sets a Vite `root` that would hide test/.
export default defineConfig({
  test: {
    projects: [
      { test: { ...shared, name: 'sqlite', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'node_modules/**'] } },
      {
        test: {
          ...shared,
          name: 'server-on-postgres',
          include: ['test/server/**/*.test.ts', 'test/cli/**/*.test.ts'],
          exclude: ['node_modules/**', ...NOT_ON_POSTGRES],
          env: { SEALDESK_TEST_BACKEND: 'postgres' },
        },
      },
    ],
  },
});
