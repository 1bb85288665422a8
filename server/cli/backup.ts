import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { dbFilePath } from '../app';
import { loadConfig } from '../config';

/**
 * `backup FILE`: an online copy of the live database via SQLite's backup API, consistent even
 * while the server writes. The copy holds only ciphertext and metadata, but also staff auth
 * hashes: store it like the data dir. Secrets (jwt.key, pow-mac.key) are not included.
 */
export async function backupDatabase(sourceFile: string, targetFile: string): Promise<{ pages: number }> {
  if (!existsSync(sourceFile)) throw new Error(`no database at ${sourceFile}`);
  if (existsSync(targetFile)) throw new Error(`${targetFile} already exists; refusing to overwrite`);
  const source = new Database(sourceFile, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    const result = await source.backup(targetFile);
    return { pages: result.totalPages };
  } finally {
    source.close();
  }
}

export async function backupCommand(args: string[]): Promise<number> {
  const target = args[0];
  if (!target || args.length > 1) {
    process.stderr.write('usage: sealdesk backup FILE\n');
    return 2;
  }
  const config = loadConfig();
  const { pages } = await backupDatabase(dbFilePath(config.dataDir), resolve(target));
  process.stdout.write(`backup written to ${resolve(target)} (${pages} pages)\n`);
  return 0;
}
