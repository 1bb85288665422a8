// The CLI's default staff secret (issue 12): `activate` and `setup` generate an 8-word passphrase,
// enrol it with the light Argon2id parameters and print it once; they print it only to a terminal
// unless --print-passphrase says so; a password from the environment or --choose-password keeps
// OWASP's parameters. Commands run in-process against a real server (cheap floor: the CLI itself
// always sends the real parameters).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../client-core';
import * as p from '../../protocol';
import { buildTestApp, testDatabaseEnv } from '../helpers/app';
import { api, invite, withDesk } from '../helpers/desk';
import { listen, runCommand } from '../helpers/cli';

const fx = withDesk({ via: 'db' });
let url: string;
beforeAll(async () => {
  url = await listen(fx.t);
});

/** The 8 words of the notice, or null. */
const printedPassphrase = (stdout: string): string | null => {
  const m = /write it down on paper now[^\n]*\n\n {4}([a-z]+(?: [a-z]+){3})\n {4}([a-z]+(?: [a-z]+){3})\n/.exec(stdout);
  return m ? `${m[1]} ${m[2]}` : null;
};

async function signsIn(app: typeof fx.app, username: string, typed: string): Promise<{ status: number; kdf: p.KdfParams }> {
  const pre = (await api(app, 'POST', '/api/staff/prelogin', { username })).body;
  const { authSecret } = core.deriveStaffLogin(core.createVault(), { password: typed, ...pre });
  const res = await api(app, 'POST', '/api/staff/login', { username, authSecret });
  return { status: res.status, kdf: { opslimit: pre.opslimit, memlimit: pre.memlimit } };
}

describe('npm run cli -- activate: the generated passphrase by default', () => {
  it('will not print a passphrase into a redirected output unasked, and uses nothing up', async () => {
    const token = await invite(fx.app, fx.desk, 'piped');
    const run = await runCommand(['activate', token, '--server', url], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not a terminal: pass --print-passphrase/);
    expect(run.stdout).toBe('');
    // The invite still works
    expect((await api(fx.app, 'POST', '/api/staff/invite', { inviteToken: token })).status).toBe(200);
  });

  it('--print-passphrase: enrols with the light parameters and prints the 8 words once, which then sign in however typed', async () => {
    const token = await invite(fx.app, fx.desk, 'tina');
    const run = await runCommand(['activate', token, '--server', url, '--print-passphrase'], {});
    expect(run.code, run.stderr).toBe(0);
    const passphrase = printedPassphrase(run.stdout);
    expect(passphrase, run.stdout).not.toBeNull();
    expect(passphrase!.split(' ')).toHaveLength(8);
    expect(run.stdout.split(passphrase!.split(' ').slice(0, 4).join(' ')).length).toBe(2); // shown once
    expect(run.stdout).toContain('Activated tina (technician)');
    expect(run.stderr).not.toContain(passphrase!.split(' ').slice(4).join(' '));
    const signed = await signsIn(fx.app, 'tina', ` ${passphrase!.toUpperCase().replaceAll(' ', '  ')} `);
    expect(signed).toEqual({ status: 200, kdf: p.STAFF_PASSPHRASE_KDF });
  });

  it('SEALDESK_PASSWORD: a chosen password, OWASP parameters, nothing printed but the report', async () => {
    const token = await invite(fx.app, fx.desk, 'chris');
    const run = await runCommand(['activate', token, '--server', url], { SEALDESK_PASSWORD: 'chris chose a long one' });
    expect(run.code, run.stderr).toBe(0);
    expect(printedPassphrase(run.stdout)).toBeNull();
    expect(await signsIn(fx.app, 'chris', 'chris chose a long one')).toEqual({ status: 200, kdf: p.STAFF_PASSWORD_KDF });
  });

  it('--choose-password without a terminal asks for SEALDESK_PASSWORD instead of hanging', async () => {
    const token = await invite(fx.app, fx.desk, 'nobody');
    const run = await runCommand(['activate', token, '--server', url, '--choose-password'], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/set SEALDESK_PASSWORD or run in a terminal/);
  });
});

describe('npm run cli -- setup (headless): the first admin gets a generated passphrase', () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'sealdesk-cli-pass-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints the pin first and the passphrase after; the admin signs in with it', async () => {
    const run = await runCommand(['setup', '--username', 'root', '--print-passphrase'], {
      SEALDESK_DATA_DIR: dataDir,
      SEALDESK_LOG_LEVEL: 'warn',
      ...(await testDatabaseEnv(dataDir)),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.split('\n')[1]).toMatch(/^Desk fingerprint: [A-Za-z0-9_-]{43}$/);
    const passphrase = printedPassphrase(run.stdout);
    expect(passphrase, run.stdout).not.toBeNull();
    const t = await buildTestApp({ dataDir, productionStaffKdfFloor: true });
    try {
      expect(await signsIn(t.app, 'root', passphrase!)).toEqual({ status: 200, kdf: p.STAFF_PASSPHRASE_KDF });
    } finally {
      await t.close();
    }
  });
});
