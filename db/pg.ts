import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import * as pgSchema from './schema-pg';

/** The PostgreSQL drizzle handle over db/schema-pg (the twin of db/schema; see client.ts). */
export type PgDb = NodePgDatabase<typeof pgSchema> & { $client: pg.Pool };
export interface OpenedPgDb {
  db: PgDb;
  /** The same pool, for what drizzle does not cover (advisory locks, the rate-limit store). */
  pool: pg.Pool;
  /** Ends every pooled connection; idempotent. */
  close(): Promise<void>;
}

/** Where drizzle-kit writes the PostgreSQL migrations (drizzle.pg.config.ts). */
export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations-pg', import.meta.url));

export interface OpenPgDbOptions {
  /** Connections per process (each node has its own pool). Default 10. */
  poolSize?: number;
  /** Skip migrations (tests that apply them themselves). Default: apply all at open. */
  migrate?: boolean;
}

/**
 * Connects to the desk's PostgreSQL database and applies the migrations. Several nodes may
 * start at once: drizzle's migrator runs in one transaction, and a session advisory lock makes
 * the others wait for it and then find nothing left to apply.
 */
export async function openPgDb(url: string, options: OpenPgDbOptions = {}): Promise<OpenedPgDb> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // A node that cannot reach the database fails its requests quickly instead of queueing them.
    connectionTimeoutMillis: 10_000,
    application_name: 'sealdesk',
  });
  // An idle client that loses its connection (failover, restart) emits 'error' on the pool;
  // unhandled, that would crash the process. The pool drops it and the next query reconnects.
  pool.on('error', () => {});
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await pool.end();
  };
  try {
    const db = drizzle(pool, { schema: pgSchema });
    if (options.migrate !== false) await migrateWithLock(url, db);
    return { db, pool, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Any constant both sides agree on; it names "sealdesk migrations" among advisory locks. */
const MIGRATION_LOCK = 0x5ea1_de5c;

// The lock has its own connection, outside the pool: a pool of one must still be able to migrate.
async function migrateWithLock(url: string, db: PgDb): Promise<void> {
  const lock = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await lock.connect();
  try {
    // Released with the session if this process dies mid-way; the migration itself rolls back.
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await migrate(db, { migrationsFolder: PG_MIGRATIONS_FOLDER });
  } finally {
    await lock.end();
  }
}
