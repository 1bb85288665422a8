// A staff member's session from the command line: the same steps the browser console takes, each
// a client-core call on this command's own vault: desk fingerprint → verified key log → prelogin →
// Argon2id → login → key blob and grants.
import * as core from '../../client-core';
import type { KeyLogEntry } from '../../protocol';
import { expectOk, httpDesk, serverUrl, type DeskApi } from './api';
import { CliError, readPassword, type CommandIo } from './io';

export interface StaffSession {
  desk: DeskApi;
  /** This command's memory: the member's keys, team keys, K and N. Never printed, never sent. */
  vault: core.Vault;
  token: string;
  staffId: string;
  username: string;
  role: 'admin' | 'technician';
}

/**
 * GET /api/desk and the key log, verified from genesis. With a pinned fingerprint, any other desk
 * is refused loudly (SPEC §2.6); without one, the log must verify to what the desk says it is.
 */
export async function openVerifiedDesk(desk: DeskApi, pinned: string | undefined): Promise<{ vault: core.Vault; fingerprint: string }> {
  await core.ready();
  const info = await expectOk(desk, 'GET', '/api/desk');
  if (!info.fingerprint) throw new CliError('the desk is not set up yet');
  if (pinned && pinned !== info.fingerprint) {
    throw new CliError(`DESK FINGERPRINT MISMATCH: pinned ${pinned}, server says ${info.fingerprint}. Do not continue; ask an admin.`);
  }
  const vault = core.createVault(info.deskId);
  const { entries } = (await expectOk(desk, 'GET', '/api/keylog')) as { entries: KeyLogEntry[] };
  const check = core.trustKeyLog(vault, entries, pinned ?? info.fingerprint);
  return { vault, fingerprint: check.fingerprint };
}

/** Signs in and unlocks: after this the vault holds the member's keys and the grants the log allows. */
export async function loginStaff(desk: DeskApi, username: string, password: string, pinned: string | undefined): Promise<StaffSession> {
  const { vault } = await openVerifiedDesk(desk, pinned);
  const pre = await expectOk(desk, 'POST', '/api/staff/prelogin', { username });
  const { authSecret } = core.deriveStaffLogin(vault, { password, salt: pre.salt, opslimit: pre.opslimit, memlimit: pre.memlimit });
  const res = await desk.call('POST', '/api/staff/login', { username, authSecret });
  if (res.status === 401) throw new CliError('wrong username or password');
  if (res.status !== 200) throw new CliError(`login failed (${res.status}): ${res.body?.error?.message ?? 'no details'}`);
  const token: string = res.body.token;
  const me = await expectOk(desk, 'GET', '/api/staff/me', undefined, token);
  core.unlockStaff(vault, { staffId: me.staffId, keyBlob: me.keyBlob, grants: me.grants });
  return { desk, vault, token, staffId: me.staffId, username: me.username, role: me.role };
}

/** Posts a signed key-log entry and, once the server accepted it, adopts it in the vault. */
export async function appendEntry(session: StaffSession, entry: KeyLogEntry): Promise<void> {
  await expectOk(session.desk, 'POST', '/api/keylog', { entry }, session.token);
  core.recordKeyLogEntry(session.vault, entry);
}

export async function logout(session: StaffSession): Promise<void> {
  await expectOk(session.desk, 'POST', '/api/staff/logout', {}, session.token);
}

/** One line for the user: the message of the refusal, never a stack trace. */
export function errorLine(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Flags every staff command takes: where the desk is and which desk it must be. */
export const DESK_OPTIONS = {
  server: { type: 'string' },
  fingerprint: { type: 'string' },
} as const;

/**
 * Signs in as `username` with the password from `passwordEnv` (or a prompt), on the desk from
 * --server / SEALDESK_URL, pinned to --fingerprint / SEALDESK_FINGERPRINT when given.
 */
export async function connect(io: CommandIo, flags: { server?: string; fingerprint?: string }, username: string, passwordEnv: string): Promise<StaffSession> {
  const desk = httpDesk(serverUrl(flags.server, io.env));
  const password = await readPassword(io, passwordEnv, `Password for ${username}: `);
  return loginStaff(desk, username, password, flags.fingerprint || io.env.SEALDESK_FINGERPRINT || undefined);
}
