// Backup and restore of a desk on PostgreSQL (SEALDESK_DATABASE_URL): pg_dump's custom format,
// one consistent snapshot taken while the server runs, and pg_restore in one transaction.
// `backup` and `restore` in backup.ts call these when the desk runs on PostgreSQL.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A PostgreSQL client tool: from SEALDESK_PG_BIN, else the newest Debian server/client install
 * (pg_dump must be at least the server's major version), else the PATH.
 */
export function pgTool(name: 'pg_dump' | 'pg_restore', env: Readonly<Record<string, string | undefined>>): string {
  if (env.SEALDESK_PG_BIN) return join(env.SEALDESK_PG_BIN, name);
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', name))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  return newest ? join(root, newest, 'bin', name) : name;
}

/**
 * SECURITY: the password goes to the tool in PGPASSWORD, not on its command line, where any
 * local user could read it in the process list.
 */
function connection(url: string): { dbname: string; env: Record<string, string> } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  return { dbname: u.toString(), env: password ? { PGPASSWORD: password } : {} };
}

async function run(tool: string, args: string[], env: Record<string, string>): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const child = spawn(tool, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', (err) => reject(new Error(`${tool} could not start (${err.message}); install Debian's postgresql-client or set SEALDESK_PG_BIN`)));
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} failed (exit ${code}): ${stderr.trim()}`))));
  });
}

/**
 * `backup FILE` on PostgreSQL: pg_dump in its custom format (compressed, restorable with
 * pg_restore, table by table if need be). pg_dump reads one snapshot, so the copy is consistent
 * while the server writes. Like the SQLite copy, it holds ciphertext, metadata and staff auth
 * hashes but not the secrets in the data dir.
 */
export async function pgBackup(url: string, targetFile: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  if (existsSync(targetFile)) throw new Error(`${targetFile} already exists; refusing to overwrite`);
  // SECURITY: owner-only from the first byte; pg_dump writes into the file and keeps its mode.
  closeSync(openSync(targetFile, 'wx', 0o600));
  const { dbname, env: extra } = connection(url);
  try {
    await run(pgTool('pg_dump', env), ['--format=custom', '--no-owner', '--no-privileges', `--file=${targetFile}`, `--dbname=${dbname}`], extra);
  } catch (err) {
    rmSync(targetFile, { force: true });
    throw err;
  }
}

/** Tables in the database's own schemas (public, and drizzle's migration journal). */
async function tableCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname IN ('public', 'drizzle')");
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

/**
 * `restore FILE` on PostgreSQL, with every server stopped: pg_restore in a single transaction
 * (a failure leaves the database as it was). Refuses a database that holds tables unless
 * `replace` (then pg_restore drops what the backup holds first), so a mistyped URL cannot
 * overwrite another desk.
 */
export async function pgRestore(
  url: string,
  sourceFile: string,
  options: { replace?: boolean } = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<void> {
  if (!existsSync(sourceFile)) throw new Error(`no backup at ${sourceFile}`);
  if (!options.replace && (await tableCount(url)) > 0) {
    throw new Error('the database is not empty; restore into a new database, or pass --replace to drop its desk tables first');
  }
  const { dbname, env: extra } = connection(url);
  const clean = options.replace ? ['--clean', '--if-exists'] : [];
  await run(pgTool('pg_restore', env), ['--single-transaction', '--exit-on-error', '--no-owner', '--no-privileges', ...clean, `--dbname=${dbname}`, sourceFile], extra);
}
