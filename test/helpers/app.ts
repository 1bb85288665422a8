import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openDb } from '../../db/client';
import type { OpenedPgDb } from '../../db/pg';
import { buildApp, dbFilePath, type BuildAppOptions } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { CHEAP_AUTH_HASH_KDF, CHEAP_KDF } from '../fixtures/kdf';

export interface TestAppOptions {
  /** Environment overrides, e.g. `{ SEALDESK_POW_DIFFICULTY: '4' }`. */
  env?: Record<string, string>;
  /** Reuse a data dir (restart tests); default a fresh temp dir, removed by close(). */
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
  db: ReturnType<typeof openDb>['db'];
  sqlite: ReturnType<typeof openDb>['sqlite'];
  config: Config;
  dataDir: string;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Closes the app and the database, and removes the temp dir if this helper created it. */
  close: () => Promise<void>;
}

/**
 * The real app on a real SQLite file in a temp data dir, ready for `app.inject()`.
 * Logging is captured (level debug) so tests can assert what the server would have logged.
 */
export async function buildTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'sealdesk-test-'));
  const config = loadConfig({ SEALDESK_DATA_DIR: dataDir, SEALDESK_LOG_LEVEL: 'debug', ...options.env });
  const opened = openDb(dbFilePath(dataDir));
  const logs: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await buildApp(config, {
    db: opened,
    logStream,
    clientDist: options.clientDist,
    // Back-to-back inject() calls keep the event loop ~100 % busy on a loaded CI machine, which
    // under-pressure rightly reads as overload: off in tests unless a test asks for it.
    underPressure: options.underPressure ?? { maxEventLoopDelay: 0, maxEventLoopUtilization: 0 },
    // Cheap stored-hash cost: every staff activation and login in the suite hashes with it.
    authHashKdf: CHEAP_AUTH_HASH_KDF,
    // The suite enrols staff with CHEAP_KDF; the floor's own tests ask for the real one.
    ...(options.productionStaffKdfFloor === true ? {} : { staffKdfFloor: CHEAP_KDF }),
    verifyPool: options.verifyPool,
    writerThread: options.writerThread,
  });
  if (options.extend) await options.extend(app);
  await app.ready();
  return {
    app,
    db: opened.db,
    sqlite: opened.sqlite,
    config,
    dataDir,
    logs,
    close: async () => {
      await app.close();
      if (opened.sqlite.open) opened.sqlite.close();
      if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The real app served from a PostgreSQL database (test/helpers/postgres.ts's testDatabase), with
 * the same test costs as buildTestApp: the one place the suite lowers them. The caller closes the
 * app, then `pg`.
 */
export async function buildPgTestApp(
  pg: OpenedPgDb,
  env: Record<string, string> = {},
): Promise<{ app: TestApp['app']; config: Config; dataDir: string; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-pg-'));
  const config = loadConfig({ SEALDESK_DATA_DIR: dataDir, SEALDESK_LOG_LEVEL: 'warn', ...env });
  const app = await buildApp(config, {
    pg,
    underPressure: { maxEventLoopDelay: 0, maxEventLoopUtilization: 0 },
    authHashKdf: CHEAP_AUTH_HASH_KDF,
    staffKdfFloor: CHEAP_KDF,
  });
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
