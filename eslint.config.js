// ESLint: the recommended JS and TypeScript rules plus the house rules below. Formatting is
// Prettier's job (eslint-config-prettier, last, turns off every rule it would fight with).
// Import boundaries are dependency-cruiser's (.dependency-cruiser.cjs); "who may call fetch" is
// here because a global call is not an import.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// The only modules that talk to the network: the web app's and the staff CLI's API clients.
const API_MODULES = ['client/src/api.ts', 'cli/staff/api.ts'];

const NETWORK_MESSAGE =
  'Only client/src/api.ts (web app) and cli/staff/api.ts (staff CLI) talk to the network: one place that sets auth headers, maps errors and never sends a secret (docs/ARCHITECTURE.md).';
const NETWORK_GLOBALS = ['fetch', 'XMLHttpRequest', 'WebSocket', 'EventSource'];

// Node globals for the handful of plain JS files (configs, scripts); TypeScript checks the rest.
const NODE_GLOBALS = Object.fromEntries(['process', 'console', 'module', 'require', '__dirname', 'URL', 'Buffer', 'setTimeout', 'clearTimeout'].map((g) => [g, 'readonly']));

export default defineConfig(
  { ignores: ['node_modules/', 'client/dist/', 'data/', 'coverage/', '.scratch/', 'db/migrations/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      eqeqeq: ['error', 'always'],
      // `import { type X }` leaves `import {} from '…'` (a run-time load) under
      // verbatimModuleSyntax; `import type` is erased. The boundary rules rely on the difference.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    // Type-aware, only where it pays: an un-awaited async guard or audit write in the server (or
    // the CLI) fails silently and the request goes on. Costs the server's and the CLI's tsc
    // programs (~15 s on 2 cores); everywhere else the non-type-checked rules are enough.
    files: ['server/**/*.ts', 'cli/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // One async, dialect-neutral data layer (docs/DECISIONS.md "One async data layer"): services
    // and routes use drizzle's awaitable query builders, which SQLite and PostgreSQL share. The
    // synchronous better-sqlite3 calls and the raw connection would work on SQLite only (and a
    // sync `db.transaction` cannot hold an awaited body); server/services/data.ts is the one
    // place that may reach below the builders, and the db plugin owns the SQLite connection.
    files: ['server/**/*.ts'],
    ignores: ['server/services/data.ts', 'server/plugins/app/db.ts', 'server/services/durability-barrier.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        ...['run', 'all', 'get'].map((method) => ({
          selector: `CallExpression[callee.property.name='${method}'][arguments.length=0]`,
          message: `.${method}() is better-sqlite3's synchronous API: await the query builder instead (server/services/data.ts).`,
        })),
        {
          selector: "CallExpression[callee.property.name='transaction'][callee.object.name=/^(db|tx|app)$/]",
          message: 'Use transaction(db, async (tx) => …) from server/services/data.ts: one helper for both dialects.',
        },
        {
          selector: "MemberExpression[property.name='$client']",
          message: 'The raw driver connection is SQLite-only: use rawRows/rawExec from server/services/data.ts.',
        },
      ],
    },
  },
  {
    // The server logs through pino (structured, redacted); the shared code has no console to
    // write to in every runtime. A stray console.log is how an IP or a token reaches a log.
    files: ['server/**', 'protocol/**', 'contract/**', 'client-core/**', 'db/**'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['**/*.ts'],
    ignores: [...API_MODULES, 'test/**', 'bench/**'],
    rules: {
      'no-restricted-globals': ['error', ...NETWORK_GLOBALS.map((name) => ({ name, message: NETWORK_MESSAGE }))],
      'no-restricted-properties': [
        'error',
        ...['globalThis', 'window', 'self'].flatMap((object) => NETWORK_GLOBALS.map((property) => ({ object, property, message: NETWORK_MESSAGE }))),
        { object: 'navigator', property: 'sendBeacon', message: NETWORK_MESSAGE },
      ],
    },
  },
  {
    // Tests and benchmarks read JSON answers loosely (the assertions are the type check there).
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  prettier,
);
