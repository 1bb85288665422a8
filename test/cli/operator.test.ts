// The operator's commands on a data dir, run in-process: headless `setup` (the app built on the
// data dir, the staff client's setup flow through app.inject), then the staff client's `invite`
// and `admit` over HTTP against a server on that data dir, and `audit-verify`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as p from '../../protocol/index';
import { buildTestApp, type TestApp } from '../helpers/app';
import { activate, api, login } from '../helpers/desk';
import { listen, runCommand } from '../helpers/cli';

const ADMIN_PASSWORD = 'a long admin password for the cli test';
let dataDir: string;

const onDataDir = (env: Record<string, string> = {}) => ({ SEALDESK_DATA_DIR: dataDir, SEALDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, SEALDESK_LOG_LEVEL: 'warn', ...env });

beforeAll(async () => {
  await p.ready();
  dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-cli-'));
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm run cli -- setup (headless) / invite / admit / audit-verify', () => {
  let fingerprint = '';

  it('sets up an empty data dir headless and prints the desk fingerprint', async () => {
    // Given an empty data dir and the password in the environment, When setup runs without a token
    const res = await runCommand(['setup', '--username', 'root'], onDataDir());
    // Then it succeeds and prints the fingerprint the desk now serves
    expect(res.code, res.stderr).toBe(0);
    const match = /Desk fingerprint: ([A-Za-z0-9_-]{43})/.exec(res.stdout);
    expect(match).not.toBeNull();
    fingerprint = match![1]!;
    expect(res.stdout).not.toContain(ADMIN_PASSWORD);
    const t = await buildTestApp({ dataDir });
    try {
      expect((await api(t.app, 'GET', '/api/desk')).body).toMatchObject({ fingerprint, setupComplete: true });
      const state = p.verifyKeyLog((await api(t.app, 'GET', '/api/keylog')).body.entries, { pinnedFingerprint: fingerprint });
      expect(state.currentTeamKey?.version).toBe(1);
      // And the admin can log in with the password the CLI was given
      expect((await login(t.app, 'root', ADMIN_PASSWORD)).token).toBeTruthy();
    } finally {
      await t.close();
    }
  });

  it('refuses to run setup twice, and a short password before anything is made', async () => {
    const again = await runCommand(['setup', '--username', 'root'], onDataDir());
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already set up/);
    const short = await runCommand(['setup'], onDataDir({ SEALDESK_ADMIN_PASSWORD: 'short' }));
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 12 characters/);
  });

  describe('against a server on the data dir', () => {
    let t: TestApp;
    let url: string;
    beforeAll(async () => {
      t = await buildTestApp({ dataDir });
      url = await listen(t);
    });
    afterAll(async () => t.close());

    it('invites and admits a member whose grant then opens to the team key', async () => {
      // Given an invite from the CLI
      const invited = await runCommand(['invite', 'tina', '--as', 'root', '--server', url], onDataDir());
      expect(invited.code, invited.stderr).toBe(0);
      const inviteToken = invited.stdout.trim().split('\n').pop()!;
      // And the member activates in their own client
      const member = await activate(t.app, inviteToken, 'tina password 123');
      // When the admin admits them from the CLI (with the pinned fingerprint)
      const admitted = await runCommand(['admit', 'tina', '--as', 'root', '--server', url], onDataDir({ SEALDESK_FINGERPRINT: fingerprint }));
      expect(admitted.code, admitted.stderr).toBe(0);
      expect(admitted.stdout).toMatch(/tina admitted \(staff-add appended\)/);
      // Then the member is admitted and their grant opens to the key log's current team key
      const { token } = await login(t.app, 'tina', 'tina password 123');
      const me = (await api(t.app, 'GET', '/api/staff/me', undefined, token)).body;
      expect(me.admitted).toBe(true);
      const state = p.verifyKeyLog((await api(t.app, 'GET', '/api/keylog')).body.entries, { pinnedFingerprint: fingerprint });
      const team = p.openGrant(me.grants[0].sealed, member.keys.box, p.asTeamPublicKey(state.currentTeamKey!.boxPk));
      expect(p.toB64(team.publicKey)).toBe(state.currentTeamKey!.boxPk);
      // And admitting again appends nothing: the log already lists these keys
      const again = await runCommand(['admit', 'tina', '--as', 'root', '--server', url], onDataDir());
      expect(again.stdout).toMatch(/already in the key log/);
    });

    it('refuses a wrong admin password and an unknown flag without a stack trace', async () => {
      const res = await runCommand(['invite', 'x', '--as', 'root', '--server', url], onDataDir({ SEALDESK_ADMIN_PASSWORD: 'not the password at all' }));
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/wrong username or password/);
      expect(res.stderr).not.toMatch(/\bat .*\.ts:\d+/);
      const flag = await runCommand(['invite', 'x', '--colour', 'red'], onDataDir());
      expect(flag.code).toBe(1);
      expect(flag.stderr).toMatch(/usage: invite/);
    });

    it('a staff command never falls back to the data dir: with no server it fails to connect', async () => {
      const res = await runCommand(['invite', 'x', '--as', 'root', '--server', 'http://127.0.0.1:9'], onDataDir());
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(/cannot reach the desk at http:\/\/127\.0\.0\.1:9/);
    });
  });

  it('verifies the audit chain, and fails once a row is tampered with', async () => {
    const good = await runCommand(['audit-verify'], onDataDir());
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toMatch(/audit chain ok: \d+ entries/);
    // When someone edits an audit row in the database
    const raw = new Database(join(dataDir, 'sealdesk.db'));
    raw.prepare("update audit set target = 'someone-else' where seq = 2").run();
    raw.close();
    // Then audit-verify exits non-zero and names the row
    const bad = await runCommand(['audit-verify'], onDataDir());
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/BROKEN at seq 2/);
  });
});
