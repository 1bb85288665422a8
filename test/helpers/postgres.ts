// A real PostgreSQL server for the tests: a throwaway cluster in a temp dir on a free port, started
// once per `vitest run` by the global setup (test/global-setup.ts) from the machine's PostgreSQL
// binaries (scripts/ensure-postgres.sh installs them), and a fresh database per test file:
//   const pg = await testDatabase();            // CREATE DATABASE … TEMPLATE the migrated one
//   const { db, close } = await openPgDb(pg.url);
//   afterAll(() => pg.drop());
// Nothing a previous run left is used: every run starts its own cluster and removes it after.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

/** The name under which the global setup provides the cluster's admin URL to test files. */
export const PG_URL_KEY = 'sealdeskTestPgUrl';
/** The same URL in the environment, for code outside a test file (benches, child processes). */
export const PG_URL_ENV = 'SEALDESK_TEST_PG_URL';
/** A database holding every migration, the template of each test file's database. */
export const MIGRATED_TEMPLATE = 'sealdesk_migrated';

declare module 'vitest' {
  export interface ProvidedContext {
    [PG_URL_KEY]: string;
  }
}

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:PORT/postgres — trust authentication, loopback only. */
  url: string;
  port: number;
  /** The directory of pg_dump, pg_restore, psql of the same version as the server. */
  binDir: string;
  stop(): Promise<void>;
}

export interface StartPgOptions {
  /**
   * fsync and synchronous commit as in production. Tests leave it off (a crash of the machine
   * is not what they test, and fsync under load is slow); benches turn it on for honest figures.
   */
  durable?: boolean;
}

/** The bin directory scripts/ensure-postgres.sh finds (it installs the package if it may). */
export function postgresBinDir(): string {
  const script = join(process.cwd(), 'scripts', 'ensure-postgres.sh');
  const r = spawnSync('bash', [script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`PostgreSQL binaries not found (run scripts/ensure-postgres.sh as root): ${r.stderr.trim()}`);
  return r.stdout.trim();
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Starts a fresh cluster; PostgreSQL refuses to run as root, so as root it runs as `postgres`. */
export async function startPgCluster(options: StartPgOptions = {}): Promise<PgCluster> {
  const binDir = postgresBinDir();
  const dir = mkdtempSync(join(tmpdir(), 'sealdesk-pg-'));
  const dataDir = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  if (asRoot) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })));
  const run = (tool: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(binDir, tool), ...args]] : [join(binDir, tool), args];
    const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) throw new Error(`${tool} failed (${r.status}): ${r.stderr || r.stdout}`);
  };
  const durability = options.durable ? [] : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'];
  // Retry on a port taken between freePort() and the server's bind.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    try {
      if (!existsSync(dataDir)) run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale', ...(options.durable ? [] : ['--no-sync'])]);
      run('pg_ctl', [
        'start',
        '-w',
        '-t',
        '60',
        '-D',
        dataDir,
        '-l',
        join(dir, 'server.log'),
        '-o',
        [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', '-c max_connections=200', ...durability].join(' '),
      ]);
      const stop = async () => {
        if (!existsSync(dataDir)) return;
        try {
          run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      };
      return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, port, binDir, stop };
    } catch (err) {
      const log = existsSync(join(dir, 'server.log')) ? readFileSync(join(dir, 'server.log'), 'utf8') : '';
      if (attempt < 3 && /could not bind|Address already in use/i.test(log)) {
        writeFileSync(join(dir, 'server.log'), '');
        continue;
      }
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
}

/** The URL of another database on the same server. */
export function databaseUrl(serverUrl: string, name: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** The cluster this test run shares (started by the global setup). */
export function testClusterUrl(): string {
  const url = inject(PG_URL_KEY) ?? process.env[PG_URL_ENV];
  if (!url) throw new Error('no test PostgreSQL: vitest.config.ts globalSetup starts it');
  return url;
}

export interface TestDatabase {
  name: string;
  url: string;
  /** DROP DATABASE (WITH FORCE: a pool a failed test left open does not block it). */
  drop(): Promise<void>;
}

let counter = 0;

/**
 * A new database for one test file: `migrated` (default) copies the template holding every
 * migration; `empty` is a bare database, for tests that apply the migrations themselves.
 */
export async function testDatabase(kind: 'migrated' | 'empty' = 'migrated', serverUrl = testClusterUrl()): Promise<TestDatabase> {
  const name = `sealdesk_t${process.pid}_${++counter}_${Date.now().toString(36)}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${kind === 'migrated' ? MIGRATED_TEMPLATE : 'template0'}`);
  return {
    name,
    url: databaseUrl(serverUrl, name),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** One statement on the server's maintenance database. */
export async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
