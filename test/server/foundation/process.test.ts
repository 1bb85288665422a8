import Database from 'better-sqlite3';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashOneTimeToken } from '../../../server/plugins/app/tokens';
import { runTsx, SERVER_ENTRY, spawnTsx } from '../../helpers/process';

const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-proc-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('server process', () => {
  it('exits 1 with a one-line message naming a bad variable', async () => {
    const run = await runTsx(SERVER_ENTRY, [], { dataDir, env: { PORT: 'eighty' }, timeoutMs: 50_000 });
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toMatch(/^sealdesk: invalid PORT \(got "eighty"\): .+$/);
  });

  it('prints a one-time setup URL to the terminal on first start, serves, and closes cleanly on SIGTERM', async () => {
    // Given a fresh data dir anyone may write to, When the server starts on a free port
    chmodSync(dataDir, 0o777);
    const child = spawnTsx(SERVER_ENTRY, [], { dataDir, env: { PORT: '0', HOST: '127.0.0.1', SEALDESK_LOG_LEVEL: 'info' } });
    const match = await child.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\/#\/setup\/([A-Za-z0-9_-]{43})/, 'stderr', 50_000);
    try {
      // Then the URL's port answers, and the database holds only the token's hash
      const res = await fetch(`http://127.0.0.1:${match[1]}/api/health`);
      expect(await res.json()).toEqual({ ok: true, db: 'ok' });
      const db = new Database(join(dataDir, 'sealdesk.db'), { readonly: true });
      const row = db.prepare('select setup_token_hash as h, setup_token_expires_at as e from desk').get() as { h: string; e: number };
      db.close();
      expect(row.h).toBe(hashOneTimeToken(match[2]!));
      expect(row.e - Math.floor(Date.now() / 1000)).toBeGreaterThan(23 * 3600);
      // And the token never went into the log stream (stdout) at all
      expect(child.stdout()).toContain('Server listening at');
      expect(child.stdout()).not.toContain(match[2]!);
      // And the database, its WAL and shm files and the keys are owner-only, whatever the dir's mode
      for (const name of ['sealdesk.db', 'sealdesk.db-wal', 'sealdesk.db-shm', 'jwt.key']) {
        const file = join(dataDir, name);
        expect([name, statSync(file).mode & 0o777]).toEqual([name, 0o600]);
      }
    } finally {
      await child.kill('SIGTERM');
    }
    expect((await child.exited).code).toBe(0);
  });
});
