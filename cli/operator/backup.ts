import type { CommandIo } from '../staff/io';
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { dbFilePath } from '../../server/app';
import { loadConfig } from '../../server/config';
import { pgBackup, pgRestore } from './pg-backup';

const ALL_REMAINING_PAGES = 0x7fffffff;

/**
 * `backup FILE`: an online copy of the live database via SQLite's backup API, consistent even
 * while the server writes. The copy holds only ciphertext and metadata, but also staff auth
 * hashes: store it like the data dir. Secrets (jwt.key, pow-mac.key) are not included.
 */
export async function backupDatabase(sourceFile: string, targetFile: string): Promise<{ pages: number }> {
  if (!existsSync(sourceFile)) throw new Error(`no database at ${sourceFile}`);
  if (existsSync(targetFile)) throw new Error(`${targetFile} already exists; refusing to overwrite`);
  const source = new Database(sourceFile, { readonly: true, fileMustExist: true });
  let created = false;
  try {
    source.pragma('busy_timeout = 5000');
    // SECURITY: owner-only from the first byte (SQLite would create it 0644); 'wx' also refuses
    // a file that appeared since the check above. SQLite keeps an existing file's mode.
    closeSync(openSync(targetFile, 'wx', 0o600));
    created = true;
    // One step for the whole file: a single read snapshot (WAL readers never block the server's
    // writers), so the copy is consistent and a busy desk cannot restart it over and over, as
    // happens with page batches when another connection commits between two steps.
    const result = await source.backup(targetFile, { progress: () => ALL_REMAINING_PAGES });
    return { pages: result.totalPages };
  } catch (err) {
    if (created) rmSync(targetFile, { force: true });
    throw err;
  } finally {
    source.close();
  }
}

export async function backupCommand(args: string[], io: CommandIo): Promise<number> {
  const target = args[0];
  if (!target || args.length > 1) {
    io.stderr.write('usage: sealdesk backup FILE\n');
    return 2;
  }
  const config = loadConfig(io.env as NodeJS.ProcessEnv);
  if (config.database.kind === 'postgres') {
    await pgBackup(config.database.url, resolve(target), io.env);
    io.stdout.write(`backup of ${config.database.redacted} written to ${resolve(target)} (pg_dump custom format)\n`);
    return 0;
  }
  const { pages } = await backupDatabase(dbFilePath(config.dataDir), resolve(target));
  io.stdout.write(`backup written to ${resolve(target)} (${pages} pages)\n`);
  return 0;
}

/**
 * `restore FILE [--replace]`: PostgreSQL only, with every server stopped (docs/OPERATIONS.md
 * "Restore"). A SQLite desk is restored by copying the backup file into place.
 */
export async function restoreCommand(args: string[], io: CommandIo): Promise<number> {
  const replace = args.includes('--replace');
  const files = args.filter((a) => a !== '--replace');
  if (files.length !== 1 || files[0]!.startsWith('-')) {
    io.stderr.write('usage: sealdesk restore FILE [--replace]\n');
    return 2;
  }
  const config = loadConfig(io.env as NodeJS.ProcessEnv);
  if (config.database.kind !== 'postgres') {
    io.stderr.write('restore is for a desk on PostgreSQL (SEALDESK_DATABASE_URL); on SQLite, stop the server and copy the backup to sealdesk.db (docs/OPERATIONS.md "Restore")\n');
    return 2;
  }
  await pgRestore(config.database.url, resolve(files[0]!), { replace }, io.env);
  io.stdout.write(`restored ${resolve(files[0]!)} into ${config.database.redacted}; start the servers\n`);
  return 0;
}
