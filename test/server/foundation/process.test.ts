import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashOneTimeToken } from '../../../server/plugins/app/tokens';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const SERVER = join(process.cwd(), 'server', 'server.ts');
const dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-proc-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('server process', () => {
  it('exits 1 with a one-line message naming a bad variable', () => {
    const run = spawnSync(TSX, [SERVER], { env: { ...process.env, PORT: 'eighty', SEALDESK_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 50_000 });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toMatch(/^sealdesk: invalid PORT \(got "eighty"\): .+$/);
  });

  it('prints a one-time setup URL to the terminal on first start, serves, and closes cleanly on SIGTERM', async () => {
    // Given a fresh data dir anyone may write to, When the server starts on a free port
    chmodSync(dataDir, 0o777);
    const child = spawn(TSX, [SERVER], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SEALDESK_DATA_DIR: dataDir, SEALDESK_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no setup URL; stderr: ${stderr}`)), 50_000);
      child.stderr.on('data', () => {
        const m = /http:\/\/127\.0\.0\.1:(\d+)\/#\/setup\/([A-Za-z0-9_-]{43})/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      });
    });
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
      expect(stdout).toContain('Server listening at');
      expect(stdout).not.toContain(match[2]!);
      // And the database, its WAL and shm files and the keys are owner-only, whatever the dir's mode
      for (const name of ['sealdesk.db', 'sealdesk.db-wal', 'sealdesk.db-shm', 'jwt.key']) {
        const file = join(dataDir, name);
        expect([name, statSync(file).mode & 0o777]).toEqual([name, 0o600]);
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
