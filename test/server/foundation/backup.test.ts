import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requesters } from '../../../db/schema';
import { dbFilePath } from '../../../server/app';
import { backupDatabase } from '../../../cli/operator/backup';
import { runCli } from '../../../cli/index';
import { buildTestApp, type TestApp } from '../../helpers/app';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

describe('backup', () => {
  it('copies the live database, including writes still in the WAL, while the app runs', async () => {
    // Given a running app with a fresh, uncheckpointed write
    t.db.insert(requesters).values({ id: 'r-backup', boxPk: 'b', signPk: 's-backup', createdAt: 1 }).run();
    expect(existsSync(`${dbFilePath(t.dataDir)}-wal`)).toBe(true);
    // When it is backed up
    const target = join(t.dataDir, 'backup.db');
    const { pages } = await backupDatabase(dbFilePath(t.dataDir), target);
    // Then the copy is a complete, self-contained database with that row
    expect(pages).toBeGreaterThan(0);
    const copy = new Database(target, { readonly: true });
    try {
      expect(copy.prepare('select id from requesters').all()).toEqual([{ id: 'r-backup' }]);
      expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      copy.close();
    }
    // And the app keeps working
    expect((await t.app.inject({ url: '/api/health' })).statusCode).toBe(200);
  });

  it('refuses to overwrite an existing file', async () => {
    const target = join(t.dataDir, 'exists.db');
    await backupDatabase(dbFilePath(t.dataDir), target);
    await expect(backupDatabase(dbFilePath(t.dataDir), target)).rejects.toThrow(/already exists/);
  });

  it('is reachable through the CLI dispatcher', async () => {
    const previous = process.env.SEALDESK_DATA_DIR;
    process.env.SEALDESK_DATA_DIR = t.dataDir;
    try {
      expect(await runCli(['backup', join(t.dataDir, 'cli.db')])).toBe(0);
      expect(existsSync(join(t.dataDir, 'cli.db'))).toBe(true);
      expect(await runCli(['backup'])).toBe(2);
      expect(await runCli(['no-such-command'])).toBe(2);
    } finally {
      if (previous === undefined) delete process.env.SEALDESK_DATA_DIR;
      else process.env.SEALDESK_DATA_DIR = previous;
    }
  });
});
