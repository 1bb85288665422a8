import { defineConfig } from 'drizzle-kit';

// The PostgreSQL twin of drizzle.config.ts (`npm run db:generate` runs both). db/schema-pg/
// mirrors db/schema/ (test/db/schema-parity.test.ts); shared-state.ts holds the PostgreSQL-only
// tables that several nodes share.
export default defineConfig({
  dialect: 'postgresql',
  schema: ['./db/schema-pg/index.ts', './db/schema-pg/shared-state.ts'],
  out: './db/migrations-pg',
});
