import pg from 'pg';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openDb, type Sqlite } from '../../db/client';
import { openPgDb, type OpenedPgDb } from '../../db/pg';
import * as sqliteSchema from '../../db/schema';
import * as pgSchema from '../../db/schema-pg';
import { buildApp, dbFilePath, type BuildAppOptions } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { asDb, type Db, type Schema } from '../../server/services/data';
import { CHEAP_AUTH_HASH_KDF, CHEAP_KDF } from '../fixtures/kdf';
import { testDatabase } from './postgres';

/**
 * Which database the suite's apps run on: the embedded SQLite file (default), or a fresh database
 * on the run's throwaway PostgreSQL server (`SEALDESK_TEST_BACKEND=postgres`, set by the
 * `server-on-postgres` project in vitest.config.ts).
 */
export type TestBackend = 'sqlite' | 'postgres';
export const TEST_BACKEND_ENV = 'SEALDESK_TEST_BACKEND';
export const testBackend: TestBackend = process.env[TEST_BACKEND_ENV] === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = testBackend === 'postgres';

/**
 * The table objects of the backend the suite runs on (db/schema or its twin db/schema-pg), for
 * tests that read or plant rows themselves: `const { tickets } = testTables;`. The same keys and
 * column types (server/services/data.ts, "Typing"), so one type.
 */
export const testTables: Schema = onPostgres ? (pgSchema as unknown as Schema) : sqliteSchema;

export interface TestAppOptions {
  /** Environment overrides, e.g. `{ SEALDESK_POW_DIFFICULTY: '4' }`. */
  env?: Record<string, string>;
  /** Reuse a data dir (restart tests; on PostgreSQL, also its database); default a fresh temp dir, removed by close(). */
  dataDir?: string;
  /** Routes or hooks to add before `ready()` (e.g. a test-only throwing route). */
  extend?: (app: TestApp['app']) => void | Promise<void>;
  clientDist?: BuildAppOptions['clientDist'];
  underPressure?: BuildAppOptions['underPressure'];
  verifyPool?: BuildAppOptions['verifyPool'];
  writerThread?: BuildAppOptions['writerThread'];
  /** Keep the protocol's floor on enrolment parameters (the floor's own tests); default: CHEAP_KDF passes. */
  productionStaffKdfFloor?: boolean;
}

export interface TestApp {
  app: Awaited<ReturnType<typeof buildApp>>;
  /** The app's database handle, on either backend: use the awaitable query builders and server/services/data.ts. */
  db: Db;
  backend: TestBackend;
  /**
   * The raw SQLite connection, for the tests of SQLite itself (WAL, pragmas, the file). On
   * PostgreSQL reading it throws: such a test is SQLite-only and listed in vitest.config.ts.
   */
  sqlite: Sqlite;
  /**
   * What a process on the same database needs beside SEALDESK_DATA_DIR (the operator CLI): on
   * PostgreSQL, SEALDESK_DATABASE_URL; on SQLite nothing (the file is in the data dir).
   */
  databaseEnv: Record<string, string>;
  /** One hand-written statement (sqlAll/sqlGet/sqlRun below), on the app's database. */
  raw: RawQuery;
  /** The same on a connection of its own, opened and closed for it: another process beside the server (sqlRunElsewhere). */
  rawElsewhere: RawQuery;
  config: Config;
  dataDir: string;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Closes the database connection under the running app (a database gone away). */
  disconnect: () => Promise<void>;
  /** Closes the app and the database, and removes the temp dir if this helper created it. */
  close: () => Promise<void>;
}

/** Where a PostgreSQL test app notes its database, so a restart on the same data dir finds it again. */
const PG_DATABASE_NOTE = 'test-pg-database-url';

type RawQuery = (text: string, params: readonly unknown[]) => Promise<{ rows: unknown[]; changes: number }>;

/** PostgreSQL's bigint (the twin of SQLite's INTEGER, db/schema-pg/columns.ts) read as a number, as drizzle reads it. */
const INT8_OID = 20;
const pgTypes = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format as 'text')) };

interface TestDatabaseHandle {
  db: Db;
  sqlite: Sqlite;
  raw: RawQuery;
  rawElsewhere: RawQuery;
  env: Record<string, string>;
  disconnect: () => Promise<void>;
  build: Pick<BuildAppOptions, 'db' | 'pg'>;
  close: () => Promise<void>;
}

/**
 * The PostgreSQL database of a data dir: a fresh one, noted in the dir, the first time; the noted
 * one after that (a restart, or an app after a CLI that ran first). Databases of data dirs the
 * caller keeps go with the cluster at the end of the run.
 */
async function pgDatabaseOf(dataDir: string): Promise<{ url: string; database: Awaited<ReturnType<typeof testDatabase>> | null }> {
  const note = join(dataDir, PG_DATABASE_NOTE);
  if (existsSync(note)) return { url: readFileSync(note, 'utf8'), database: null };
  const database = await testDatabase();
  writeFileSync(note, database.url);
  return { url: database.url, database };
}

/**
 * The environment a process needs to work on the database a test app on `dataDir` uses (before
 * or after the app is built), beside SEALDESK_DATA_DIR: nothing on SQLite, SEALDESK_DATABASE_URL
 * on PostgreSQL.
 */
export async function testDatabaseEnv(dataDir: string): Promise<Record<string, string>> {
  if (!onPostgres) return {};
  return { SEALDESK_DATABASE_URL: (await pgDatabaseOf(dataDir)).url };
}

async function openTestDatabase(dataDir: string, ownsDir: boolean): Promise<TestDatabaseHandle> {
  if (!onPostgres) {
    const opened = openDb(dbFilePath(dataDir));
    return {
      db: opened.db,
      sqlite: opened.sqlite,
      build: { db: opened },
      env: {},
      disconnect: async () => {
        opened.sqlite.close();
      },
      rawElsewhere: async (text, params) => {
        const other = openDb(dbFilePath(dataDir), { migrate: false });
        try {
          return { rows: [], changes: other.sqlite.prepare(text).run(...params).changes };
        } finally {
          other.sqlite.close();
        }
      },
      raw: async (text, params) => {
        const stmt = opened.sqlite.prepare(text);
        return stmt.reader ? { rows: stmt.all(...params), changes: 0 } : { rows: [], changes: stmt.run(...params).changes };
      },
      close: async () => {
        if (opened.sqlite.open) opened.sqlite.close();
      },
    };
  }
  const { url, database } = await pgDatabaseOf(dataDir);
  const opened: OpenedPgDb = await openPgDb(url);
  const sqlite = new Proxy({} as Sqlite, {
    get() {
      throw new Error('SQLite-only: this test reads the raw SQLite connection, and the suite runs on PostgreSQL (list it in vitest.config.ts)');
    },
  });
  return {
    db: asDb(opened.db),
    sqlite,
    build: { pg: opened },
    env: { SEALDESK_DATABASE_URL: url },
    disconnect: () => opened.close(),
    rawElsewhere: async (text, params) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        let n = 0;
        const result = await client.query({ text: text.replace(/\?/g, () => `$${++n}`), values: params as unknown[], types: pgTypes });
        return { rows: result.rows, changes: result.rowCount ?? 0 };
      } finally {
        await client.end();
      }
    },
    raw: async (text, params) => {
      let n = 0;
      const result = await opened.pool.query({ text: text.replace(/\?/g, () => `$${++n}`), values: params as unknown[], types: pgTypes });
      return { rows: result.rows, changes: result.rowCount ?? 0 };
    },
    close: async () => {
      await opened.close();
      if (ownsDir && database) await database.drop();
    },
  };
}

/**
 * The real app on a real database — a SQLite file in a temp data dir, or a fresh PostgreSQL
 * database (testBackend) — ready for `app.inject()`. Logging is captured (level debug) so tests
 * can assert what the server would have logged.
 */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sealdesk-test-'));
  const config = loadConfig({ SEALDESK_DATA_DIR: dataDir, SEALDESK_LOG_LEVEL: 'debug', ...options.env });
  const database = await openTestDatabase(dataDir, ownsDir);
  const logs: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let app: TestApp['app'];
  try {
    app = await buildApp(config, {
      ...database.build,
      logStream,
      clientDist: options.clientDist,
      ...testCosts,
      underPressure: options.underPressure ?? testCosts.underPressure,
      // The suite enrols staff with CHEAP_KDF; the floor's own tests ask for the real one.
      ...(options.productionStaffKdfFloor === true ? { staffKdfFloor: undefined } : {}),
      verifyPool: options.verifyPool,
      writerThread: options.writerThread,
    });
    if (options.extend) await options.extend(app);
    await app.ready();
  } catch (err) {
    await database.close();
    if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    app,
    db: database.db,
    backend: testBackend,
    sqlite: database.sqlite,
    raw: database.raw,
    rawElsewhere: database.rawElsewhere,
    databaseEnv: database.env,
    disconnect: database.disconnect,
    config,
    dataDir,
    logs,
    close: async () => {
      await app.close();
      await database.close();
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The one place the suite lowers the server's costs (both builders use it). */
const testCosts = {
  // Back-to-back inject() calls keep the event loop ~100 % busy on a loaded CI machine, which
  // under-pressure rightly reads as overload: off in tests unless a test asks for it.
  underPressure: { maxEventLoopDelay: 0, maxEventLoopUtilization: 0 },
  // Cheap stored-hash cost: every staff activation and login in the suite hashes with it.
  authHashKdf: CHEAP_AUTH_HASH_KDF,
  staffKdfFloor: CHEAP_KDF,
} satisfies Partial<BuildAppOptions>;

/**
 * The real app served from a given PostgreSQL database (test/helpers/postgres.ts's testDatabase),
 * for tests that manage the database themselves (several nodes, backup and restore), with the same
 * test costs as buildTestApp. The caller closes the app, then `pg`.
 */
export async function buildPgTestApp(
  pg: OpenedPgDb,
  env: Record<string, string> = {},
): Promise<{ app: TestApp['app']; config: Config; dataDir: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-pg-'));
  const config = loadConfig({ SEALDESK_DATA_DIR: dataDir, SEALDESK_LOG_LEVEL: 'warn', ...env });
  const app = await buildApp(config, { pg, ...testCosts });
  await app.ready();
  return {
    app,
    config,
    dataDir,
    close: async () => {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- hand-written SQL on either backend
// For tests that read or plant rows below the query builders: `?` placeholders (bound, never
// spliced), snake_case names as in the migrations. Integers read as numbers on both backends.

/** Every row of a hand-written query. */
export async function sqlAll<T = Record<string, unknown>>(t: Pick<TestApp, 'raw'>, text: string, ...params: unknown[]): Promise<T[]> {
  return (await t.raw(text, params)).rows as T[];
}

/** The first row of a hand-written query (undefined when there is none). */
export async function sqlGet<T = Record<string, unknown>>(t: Pick<TestApp, 'raw'>, text: string, ...params: unknown[]): Promise<T | undefined> {
  return (await sqlAll<T>(t, text, ...params))[0];
}

/** A hand-written write; resolves to the rows it changed. */
export async function sqlRun(t: Pick<TestApp, 'raw'>, text: string, ...params: unknown[]): Promise<number> {
  return (await t.raw(text, params)).changes;
}

/** The names of the desk's tables (drizzle's own bookkeeping aside), on either backend. */
export async function tableNames(t: Pick<TestApp, 'raw' | 'backend'>): Promise<string[]> {
  const rows = await sqlAll<{ name: string }>(
    t,
    t.backend === 'sqlite'
      ? "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'"
      : "select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like '__drizzle%'",
  );
  return rows.map((r) => r.name).sort();
}

/** A hand-written write through a connection of its own (a CLI beside the server); resolves to the rows it changed. */
export async function sqlRunElsewhere(t: Pick<TestApp, 'rawElsewhere'>, text: string, ...params: unknown[]): Promise<number> {
  return (await t.rawElsewhere(text, params)).changes;
}
