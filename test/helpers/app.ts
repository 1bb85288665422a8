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
import type { Db, Schema } from '../../server/services/data';
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
  config: Config;
  dataDir: string;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Closes the app and the database, and removes the temp dir if this helper created it. */
  close: () => Promise<void>;
}

/** Where a PostgreSQL test app notes its database, so a restart on the same data dir finds it again. */
const PG_DATABASE_NOTE = 'test-pg-database-url';

interface TestDatabaseHandle {
  db: Db;
  sqlite: Sqlite;
  build: Pick<BuildAppOptions, 'db' | 'pg'>;
  close: () => Promise<void>;
}

async function openTestDatabase(dataDir: string, ownsDir: boolean): Promise<TestDatabaseHandle> {
  if (!onPostgres) {
    const opened = openDb(dbFilePath(dataDir));
    return {
      db: opened.db,
      sqlite: opened.sqlite,
      build: { db: opened },
      close: async () => {
        if (opened.sqlite.open) opened.sqlite.close();
      },
    };
  }
  const note = join(dataDir, PG_DATABASE_NOTE);
  // A fresh database per app; a restart on a kept data dir reopens the one it noted. Databases of
  // kept data dirs go with the cluster at the end of the run.
  const database = existsSync(note) ? null : await testDatabase();
  if (database) writeFileSync(note, database.url);
  const pg: OpenedPgDb = await openPgDb(database?.url ?? readFileSync(note, 'utf8'));
  const sqlite = new Proxy({} as Sqlite, {
    get() {
      throw new Error('SQLite-only: this test reads the raw SQLite connection, and the suite runs on PostgreSQL (list it in vitest.config.ts)');
    },
  });
  return {
    db: pg.db as unknown as Db,
    sqlite,
    build: { pg },
    close: async () => {
      await pg.close();
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
