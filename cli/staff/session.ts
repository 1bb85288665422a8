// A staff member's session from the command line: the same steps the browser console takes, each
// a client-core call on this command's own vault: desk fingerprint → verified key log → prelogin →
// Argon2id → login → key blob and grants.
import * as core from '../../client-core';
import type { SecondFactor, SessionScope, StaffSession as StaffSessionGrant } from '../../contract';
import { fingerprintsMatch, type KeyLogEntry } from '../../protocol';
import { expectOk, httpDesk, serverUrl, type DeskApi, type DeskResponse } from './api';
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
  // The pin may be given as shown (digit groups, any spacing) or as the base64url hash.
  if (pinned && !fingerprintsMatch(pinned, info.fingerprint)) {
    throw new CliError(`DESK FINGERPRINT MISMATCH: the desk at this address is not the one you pinned. Do not continue; ask an admin.`);
  }
  const vault = core.createVault(info.deskId);
  const { entries } = (await expectOk(desk, 'GET', '/api/keylog')) as { entries: KeyLogEntry[] };
  // SECURITY: the log must hash to the (matching) pin: verifyKeyLog recomputes the genesis hash.
  const check = core.trustKeyLog(vault, entries, info.fingerprint);
  return { vault, fingerprint: check.fingerprint };
}

/**
 * Where a second factor comes from, asked only when the desk answers `two_factor_required`:
 * --totp, else SEALDESK_TOTP, else SEALDESK_RECOVERY_CODE, else a prompt (a recovery code with
 * --recovery-code). SECURITY: a recovery code never comes from argv (it would sit in shell history
 * and the process list); only the environment or a prompt.
 */
export interface FactorSource {
  io?: CommandIo;
  totp?: string;
  recoveryCode?: boolean;
}

/** What POST /api/staff/login grants: a full session or, under the policy, enrolment only. */
export interface SignedIn {
  vault: core.Vault;
  token: string;
  staffId: string;
  scope: SessionScope;
}

async function readSecondFactor(source: FactorSource): Promise<SecondFactor> {
  const env = source.io?.env ?? {};
  const totp = source.totp || env.SEALDESK_TOTP;
  if (totp && !source.recoveryCode) return { totp: totp.trim() };
  if (env.SEALDESK_RECOVERY_CODE) return { recoveryCode: env.SEALDESK_RECOVERY_CODE.trim() };
  if (!source.io?.stdin.isTTY) throw new CliError('this account has two-factor sign-in: pass --totp CODE (or set SEALDESK_TOTP, or SEALDESK_RECOVERY_CODE)');
  if (source.recoveryCode) return { recoveryCode: (await readPassword(source.io, 'SEALDESK_RECOVERY_CODE', 'Recovery code: ')).trim() };
  return { totp: (await readPassword(source.io, 'SEALDESK_TOTP', 'Two-factor code: ')).trim() };
}

/** The desk's answer to a refused sign-in, in words the member can act on. */
function signInRefusal(res: DeskResponse): CliError {
  const code = res.body?.error?.code;
  if (code === 'two_factor_invalid') return new CliError('the two-factor code is wrong, expired or already used (wait for the next code)');
  if (code === 'sign_in_throttled') return new CliError('too many failed sign-ins for this account: wait a while, then try again');
  if (res.status === 401) return new CliError('wrong username or password');
  return new CliError(`login failed (${res.status}): ${res.body?.error?.message ?? 'no details'}`);
}

/**
 * Verified desk → prelogin → Argon2id → login; on `two_factor_required` the same body again with
 * the second factor (the auth secret is derived once). The session may be enrolment-only.
 */
export async function signInStaff(desk: DeskApi, username: string, password: string, pinned: string | undefined, factor: FactorSource = {}): Promise<SignedIn> {
  const { vault } = await openVerifiedDesk(desk, pinned);
  const pre = await expectOk(desk, 'POST', '/api/staff/prelogin', { username });
  const { authSecret } = core.deriveStaffLogin(vault, { password, salt: pre.salt, opslimit: pre.opslimit, memlimit: pre.memlimit });
  let res = await desk.call('POST', '/api/staff/login', { username, authSecret });
  if (res.status === 401 && res.body?.error?.code === 'two_factor_required') {
    res = await desk.call('POST', '/api/staff/login', { username, authSecret, ...(await readSecondFactor(factor)) });
  }
  if (res.status !== 200) throw signInRefusal(res);
  const session = res.body as StaffSessionGrant;
  return { vault, token: session.token, staffId: session.staffId, scope: session.scope };
}

/** Fetches the member's key blob and grants into the vault: the session can now read and write. */
export async function unlockSession(desk: DeskApi, signedIn: SignedIn): Promise<StaffSession> {
  const me = await expectOk(desk, 'GET', '/api/staff/me', undefined, signedIn.token);
  core.unlockStaff(signedIn.vault, { staffId: me.staffId, keyBlob: me.keyBlob, grants: me.grants, labelKeyWraps: me.labelKeyWraps ?? [] });
  return { desk, vault: signedIn.vault, token: signedIn.token, staffId: me.staffId, username: me.username, role: me.role };
}

/** Signs in and unlocks: after this the vault holds the member's keys and the grants the log allows. */
export async function loginStaff(desk: DeskApi, username: string, password: string, pinned: string | undefined, factor: FactorSource = {}): Promise<StaffSession> {
  const signedIn = await signInStaff(desk, username, password, pinned, factor);
  if (signedIn.scope === 'two_factor_enrolment') {
    await expectOk(desk, 'POST', '/api/staff/logout', {}, signedIn.token);
    throw new CliError(`this desk requires two-factor sign-in and ${username} has none yet: run \`two-factor enrol\`, then \`two-factor confirm CODE\``);
  }
  return unlockSession(desk, signedIn);
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

/** Flags every staff command takes: where the desk is, which desk it must be, the second factor. */
export const DESK_OPTIONS = {
  server: { type: 'string' },
  fingerprint: { type: 'string' },
  totp: { type: 'string' },
  'recovery-code': { type: 'boolean' },
} as const;

export interface DeskFlags {
  server?: string;
  fingerprint?: string;
  totp?: string;
  'recovery-code'?: boolean;
}

/**
 * Signs in as `username` with the password from `passwordEnv` (or a prompt), on the desk from
 * --server / SEALDESK_URL, pinned to --fingerprint / SEALDESK_FINGERPRINT when given.
 */
export async function connect(io: CommandIo, flags: DeskFlags, username: string, passwordEnv: string): Promise<StaffSession> {
  const desk = httpDesk(serverUrl(flags.server, io.env));
  const password = await readPassword(io, passwordEnv, `Password for ${username}: `);
  return loginStaff(desk, username, password, pinnedFingerprint(io, flags), factorSource(io, flags));
}

export function pinnedFingerprint(io: CommandIo, flags: DeskFlags): string | undefined {
  return flags.fingerprint || io.env.SEALDESK_FINGERPRINT || undefined;
}

export function factorSource(io: CommandIo, flags: DeskFlags): FactorSource {
  return { io, totp: flags.totp, recoveryCode: flags['recovery-code'] };
}
