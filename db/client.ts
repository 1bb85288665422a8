import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { fileURLToPath } from 'node:url';
import * as schema from './schema';

/** The drizzle handle; `$client` is the same connection, for hand-tuned SQL (rotation). */
export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };
export type Sqlite = Database.Database;
export interface OpenedDb {
  sqlite: Sqlite;
  db: Db;
}

/** Where drizzle-kit writes migrations; resolved from this file so the cwd does not matter. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('./migrations', import.meta.url));

export interface OpenDbOptions {
  /** Skip migrations (tests that apply them step by step). Default: apply all at open. */
  migrate?: boolean;
}

/** Opens (creating if needed) the desk database, sets the pragmas we depend on, and migrates it. */
export function openDb(file: string, options: OpenDbOptions = {}): OpenedDb {
  const sqlite = new Database(file);
  try {
    applyPragmas(sqlite);
    const db = drizzle(sqlite, { schema });
    if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    return { sqlite, db };
  } catch (err) {
    sqlite.close();
    throw err;
  }
}

export function applyPragmas(sqlite: Sqlite): void {
  // WAL lets readers continue during writes and makes online backup cheap.
  sqlite.pragma('journal_mode = WAL');
  // SECURITY/durability: an acknowledged ticket or key-log append must survive power loss.
  sqlite.pragma('synchronous = FULL');
  // SECURITY: without this, ON DELETE CASCADE/SET NULL silently do nothing and orphans pile up.
  sqlite.pragma('foreign_keys = ON');
  // SECURITY: overwrite deleted content so retention-deleted ciphertext is not left in free pages.
  sqlite.pragma('secure_delete = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 64 MiB of page cache (the default is 2 MiB): queue counts and ticket inserts touch many index
  // pages, and a cache miss is a read syscall even when the OS has the page.
  sqlite.pragma('cache_size = -65536');
}
