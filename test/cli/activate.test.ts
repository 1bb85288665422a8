// A technician's whole enrolment with the command-line client only, every step a command run
// in-process against a real server listening on a local port: `setup` over HTTP with the one-time
// token → `invite` (prints the activation link) → `activate` (password from SEALDESK_PASSWORD) →
// `admit` (shows the same key fingerprint) → the member's `queue` works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inviteTokenFrom } from '../../cli/staff/activate';
import { activationLink } from '../../cli/staff/invite';
import { createSetupToken } from '../../server/plugins/app/desk';
import { buildTestApp, type TestApp } from '../helpers/app';
import { listen, runCommand } from '../helpers/cli';

const TOM_PASSWORD = 'tom chooses a long password';
const ADMIN_PASSWORD = 'the first admin has a long password';
let t: TestApp;
let url: string;
let fingerprint: string;

beforeAll(async () => {
  t = await buildTestApp();
  url = await listen(t);
});
afterAll(async () => t.close());

const asAdmin = () => ({ SEALDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, SEALDESK_URL: url });

describe('npm run cli -- setup → invite → activate → admit → queue', () => {
  let link = '';

  it('setup over HTTP needs the one-time token, then prints the desk fingerprint', async () => {
    const refused = await runCommand(['setup', '--server', url], { SEALDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, SEALDESK_SETUP_TOKEN: 'not-the-token' });
    expect(refused.code).toBe(1);
    const run = await runCommand(['setup', '--server', url], { SEALDESK_ADMIN_PASSWORD: ADMIN_PASSWORD, SEALDESK_SETUP_TOKEN: (await createSetupToken(t.app.db)).token });
    expect(run.code, run.stderr).toBe(0);
    fingerprint = /Desk fingerprint: (\S+)/.exec(run.stdout)?.[1] ?? '';
    expect(fingerprint).toBe((await (await fetch(new URL('/api/desk', url))).json()).fingerprint);
    expect(run.stdout).not.toContain(ADMIN_PASSWORD);
  });

  let inviteToken = '';
  let memberFingerprint = '';

  it('invite prints the activation link on the desk address it talks to, and the bare token last', async () => {
    const run = await runCommand(['invite', 'tom'], asAdmin());
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    inviteToken = lines.at(-1)!;
    expect(inviteToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    link = `${url}/#/activate/${inviteToken}`;
    expect(run.stdout).toContain(`Activation link: ${link}\n`);
  });

  it('activate refuses a desk that does not match the pinned fingerprint, leaving the token usable', async () => {
    const run = await runCommand(['activate', inviteToken, '--server', url, '--fingerprint', 'A'.repeat(43)], { SEALDESK_PASSWORD: TOM_PASSWORD });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DESK FINGERPRINT MISMATCH');
  });

  it('activate refuses a short password before anything is sent', async () => {
    const run = await runCommand(['activate', inviteToken, '--server', url], { SEALDESK_PASSWORD: 'too short' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('at least 12 characters');
  });

  it('activate (given the whole link) creates the account and prints the key fingerprint and what to do next', async () => {
    const run = await runCommand(['activate', link, '--server', url, '--fingerprint', fingerprint], { SEALDESK_PASSWORD: TOM_PASSWORD });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('Activated tom (technician)');
    expect(run.stdout).toContain('ask an admin to admit you');
    expect(run.stdout).not.toContain(TOM_PASSWORD);
    memberFingerprint = /Key fingerprint: ([0-9 ]+)\n/.exec(run.stdout)?.[1] ?? '';
    expect(memberFingerprint).toMatch(/^[0-9]{5}( [0-9]{5}){5}$/);
  });

  it('the token works once: a second activation is refused in plain words', async () => {
    const run = await runCommand(['activate', inviteToken, '--server', url], { SEALDESK_PASSWORD: TOM_PASSWORD });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('activation token is not valid');
  });

  it('before admission the member cannot open the queue', async () => {
    const run = await runCommand(['queue', '--username', 'tom', '--server', url], { SEALDESK_PASSWORD: TOM_PASSWORD });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/not admitted|not the ones the key log lists/);
  });

  it('admit --expect with another fingerprint refuses before signing anything', async () => {
    const logBefore = await (await fetch(new URL('/api/keylog', url))).json();
    const refused = await runCommand(['admit', 'tom', '--expect', 'AAAAAAAAAAAAAAAA'], asAdmin());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing was admitted');
    expect(await (await fetch(new URL('/api/keylog', url))).json()).toEqual(logBefore);
  });

  it('admit shows the same key fingerprint the member saw, and then the member’s queue works', async () => {
    const admitted = await runCommand(['admit', 'tom', '--expect', memberFingerprint], asAdmin());
    expect(admitted.code, admitted.stderr).toBe(0);
    expect(admitted.stdout).toContain(`Key fingerprint: ${memberFingerprint}`);

    const queue = await runCommand(['queue', '--username', 'tom', '--server', url, '--fingerprint', fingerprint], { SEALDESK_PASSWORD: TOM_PASSWORD });
    expect(queue.code, queue.stderr).toBe(0);
  });
});

describe('activation link and token parsing', () => {
  it('prints the path to append when the CLI does not know the desk address', () => {
    expect(activationLink('TOKEN', undefined)).toContain('\n  /#/activate/TOKEN');
    expect(activationLink('TOKEN', 'http://abc.onion/')).toBe('Activation link: http://abc.onion/#/activate/TOKEN');
  });

  it('accepts the bare token or the whole link', () => {
    expect(inviteTokenFrom('abcDEF_-123')).toBe('abcDEF_-123');
    expect(inviteTokenFrom('https://desk.example.org/#/activate/abcDEF_-123')).toBe('abcDEF_-123');
    expect(inviteTokenFrom('http://x.onion/#/activate/abcDEF_-123/')).toBe('abcDEF_-123');
  });
});
