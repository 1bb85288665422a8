import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../../protocol/index';
import { buildTestApp } from '../../helpers/app';
import { activate, api, login } from '../../helpers/desk';

const run = promisify(execFile);
const ADMIN_PASSWORD = 'a long admin password for the cli test';
let dataDir: string;

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'server/cli/index.ts', ...args], {
      cwd: process.cwd(),
      env: { ...process.env, SEALDESK_DATA_DIR: dataDir, SEALDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, SEALDESK_LOG_LEVEL: 'warn', ...env },
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  await p.ready();
  dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-cli-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run cli -- setup / invite / admit / audit-verify', () => {
  let fingerprint = '';

  it('sets up an empty data dir headless and prints the desk fingerprint', async () => {
    // Given an empty data dir and the password in the environment, When setup runs
    const res = await cli(['setup', '--username', 'root']);
    // Then it succeeds and prints the fingerprint the desk now serves
    expect(res.code, res.stderr).toBe(0);
    const match = /Desk fingerprint: ([A-Za-z0-9_-]{43})/.exec(res.stdout);
    expect(match).not.toBeNull();
    fingerprint = match![1]!;
    expect(res.stdout).not.toContain(ADMIN_PASSWORD);
    const t = await buildTestApp({ dataDir });
    try {
      const desk = await api(t.app, 'GET', '/api/desk');
      expect(desk.body).toMatchObject({ fingerprint, setupComplete: true });
      const { entries } = (await api(t.app, 'GET', '/api/keylog')).body;
      const state = p.verifyKeyLog(entries, { pinnedFingerprint: fingerprint });
      expect(state.currentTeamKey?.version).toBe(1);
      // And the admin can log in with the password the CLI was given
      expect((await login(t.app, 'root', ADMIN_PASSWORD)).token).toBeTruthy();
    } finally {
      await t.close();
    }
  });

  it('refuses to run setup twice', async () => {
    const res = await cli(['setup', '--username', 'root']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/already set up/);
  });

  it('invites and admits a member whose grant then opens to the team key', async () => {
    // Given an invite from the CLI
    const invited = await cli(['invite', 'tina', '--as', 'root']);
    expect(invited.code, invited.stderr).toBe(0);
    const inviteToken = invited.stdout.trim().split('\n').pop()!;
    // And the member activates in their own client
    let t = await buildTestApp({ dataDir });
    const member = await activate(t.app, inviteToken, 'tina password 123');
    await t.close();
    // When the admin admits them from the CLI (with the pinned fingerprint)
    const admitted = await cli(['admit', 'tina', '--as', 'root'], { SEALDESK_FINGERPRINT: fingerprint });
    expect(admitted.code, admitted.stderr).toBe(0);
    expect(admitted.stdout).toMatch(/tina admitted \(staff-add appended\)/);
    // Then the member is admitted and their grant opens to the key log's current team key
    t = await buildTestApp({ dataDir });
    try {
      const { token } = await login(t.app, 'tina', 'tina password 123');
      const me = (await api(t.app, 'GET', '/api/staff/me', undefined, token)).body;
      expect(me.admitted).toBe(true);
      const state = p.verifyKeyLog((await api(t.app, 'GET', '/api/keylog')).body.entries, { pinnedFingerprint: fingerprint });
      const team = p.openGrant(me.grants[0].sealed, member.keys.box, p.asTeamPublicKey(state.currentTeamKey!.boxPk));
      expect(p.toB64(team.publicKey)).toBe(state.currentTeamKey!.boxPk);
    } finally {
      await t.close();
    }
  });

  it('refuses a wrong admin password without a stack trace', async () => {
    const res = await cli(['invite', 'x', '--as', 'root'], { SEALDESK_ADMIN_PASSWORD: 'not the password at all' });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/wrong username or password/);
    expect(res.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('verifies the audit chain, and fails once a row is tampered with', async () => {
    const good = await cli(['audit-verify']);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/audit chain ok: \d+ entries/);
    // When someone edits an audit row in the database
    const raw = new Database(join(dataDir, 'sealdesk.db'));
    raw.prepare("update audit set target = 'someone-else' where seq = 2").run();
    raw.close();
    // Then audit-verify exits non-zero and names the row
    const bad = await cli(['audit-verify']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BROKEN at seq 2/);
  });
});
