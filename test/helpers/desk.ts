// A set-up desk for server tests, built only through the public HTTP API and the protocol
// module (real libsodium, real SQLite). Staff passwords use CHEAP_KDF, the one test fixture.
//   const desk = await setupDesk(t.app);                 // first admin, genesis, team key v1
//   const tech = await addTechnician(t.app, desk, 'tom'); // invited, activated, admitted, logged in
import * as p from '../../protocol/index';
import { createSetupToken } from '../../server/plugins/app/desk';
import type { TestApp } from './app';
import { CHEAP_KDF } from '../fixtures/kdf';

type App = TestApp['app'];

export interface StaffActor {
  staffId: string;
  username: string;
  password: string;
  role: 'admin' | 'technician';
  keys: p.StaffKeys;
  /** A live session token (null when created with `login: false`). */
  token: string | null;
}

export interface Desk {
  deskId: string;
  fingerprint: string;
  admin: StaffActor & { token: string };
  /** Team key v1 as generated at setup (tests use it to seal or open wraps). */
  teamKey: p.TeamKeyPair;
  teamKeyVersion: number;
}

let clock = 1_700_000_000;
const at = () => clock++;

export async function api(app: App, method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, body?: unknown, token?: string | null) {
  const res = await app.inject({
    method,
    url,
    ...(body === undefined ? {} : { payload: body as object }),
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.statusCode, body: res.body === '' ? undefined : (res.json() as any) };
}

async function ok(app: App, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown, token?: string | null) {
  const res = await api(app, method, url, body, token);
  if (res.status >= 300) throw new Error(`${method} ${url} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** What a member's client sends to create an account: KDF params, authSecret, keys, sealed blob. */
export function enrolment(staffId: string, password: string, keys: p.StaffKeys = p.generateStaffKeys()) {
  return { keys, body: p.enrolStaffKeys(staffId, password, keys, CHEAP_KDF) };
}

/** prelogin → Argon2id → login; returns the token. */
export async function login(app: App, username: string, password: string): Promise<{ token: string; staffId: string }> {
  await p.ready();
  const pre = await ok(app, 'POST', '/api/staff/prelogin', { username });
  const { authSecret } = p.deriveStaffSecrets(password, pre.salt, { opslimit: pre.opslimit, memlimit: pre.memlimit });
  const res = await ok(app, 'POST', '/api/staff/login', { username, authSecret: p.toB64(authSecret) });
  return { token: res.token, staffId: res.staffId };
}

export async function keyLogState(app: App): Promise<p.KeyLogState> {
  const { entries } = await ok(app, 'GET', '/api/keylog');
  return p.verifyKeyLog(entries);
}

/** Builds, signs (as `signer`) and posts the next key-log entry. */
export async function appendEntry<T extends Exclude<p.KeyLogType, 'genesis'>>(app: App, signer: StaffActor & { token: string }, type: T, body: p.KeyLogBodies[T]) {
  const state = await keyLogState(app);
  const entry = p.signKeyLogEntry(p.buildKeyLogEntry(state, { type, body, signer: signer.staffId, at: at() }), signer.keys.sign.secretKey);
  return ok(app, 'POST', '/api/keylog', { entry }, signer.token);
}

export async function setupDesk(app: App, opts: { username?: string; password?: string } = {}): Promise<Desk> {
  await p.ready();
  const username = opts.username ?? 'admin';
  const password = opts.password ?? 'correct horse battery staple admin';
  const { token: setupToken } = createSetupToken(app.db);
  const { deskId } = await ok(app, 'GET', '/api/desk');
  const staffId = p.newId();
  const { keys, body } = enrolment(staffId, password);
  const teamKey = p.generateTeamKey();
  const genesis = p.signKeyLogEntry(p.buildGenesisEntry({ deskId, staffId, username, boxPk: body.boxPk, signPk: body.signPk, at: at() }), keys.sign.secretKey);
  const state = p.verifyKeyLog([genesis]);
  const teamKeyEntry = p.signKeyLogEntry(
    p.buildKeyLogEntry(state, { type: 'team-key', body: { version: 1, boxPk: p.toB64(teamKey.publicKey) }, signer: staffId, at: at() }),
    keys.sign.secretKey,
  );
  const grant = p.sealGrant(teamKey.secretKey, keys.box.publicKey);
  const res = await ok(app, 'POST', '/api/setup', { token: setupToken, username, ...body, genesis, teamKey: teamKeyEntry, grant });
  const session = await login(app, username, password);
  return {
    deskId,
    fingerprint: res.fingerprint,
    admin: { staffId, username, password, role: 'admin', keys, token: session.token },
    teamKey,
    teamKeyVersion: 1,
  };
}

/** Admin invites `username`; returns the one-time token. */
export async function invite(app: App, desk: Desk, username: string, role: 'admin' | 'technician' = 'technician'): Promise<string> {
  return (await ok(app, 'POST', '/api/admin/invites', { username, role }, desk.admin.token)).inviteToken;
}

/** The invitee's side: look up the invite, make keys, activate. */
export async function activate(app: App, inviteToken: string, password: string): Promise<{ staffId: string; keys: p.StaffKeys; username: string; role: 'admin' | 'technician' }> {
  const info = await ok(app, 'POST', '/api/staff/invite', { inviteToken });
  const staffId: string = info.staffId ?? p.newId();
  const { keys, body } = enrolment(staffId, password);
  await ok(app, 'POST', '/api/staff/activate', { inviteToken, staffId, ...body });
  return { staffId, keys, username: info.username, role: info.role };
}

/** The admin's side of admission: staff-add for the member's current keys, then a grant of v1. */
export async function admit(app: App, desk: Desk, member: Pick<StaffActor, 'staffId' | 'username' | 'role' | 'keys'>): Promise<void> {
  await appendEntry(app, desk.admin, 'staff-add', {
    staffId: member.staffId,
    username: member.username,
    role: member.role,
    boxPk: p.toB64(member.keys.box.publicKey),
    signPk: p.toB64(member.keys.sign.publicKey),
  });
  const sealed = p.sealGrant(desk.teamKey.secretKey, member.keys.box.publicKey);
  await ok(app, 'POST', '/api/admin/grants', { grants: [{ staffId: member.staffId, teamKeyVersion: desk.teamKeyVersion, sealed }] }, desk.admin.token);
}

/** An invited, activated and (by default) admitted and logged-in staff member. */
export async function addTechnician(app: App, desk: Desk, username: string, opts: { role?: 'admin' | 'technician'; admit?: boolean; login?: boolean } = {}): Promise<StaffActor> {
  const password = `${username} password for tests`;
  const inviteToken = await invite(app, desk, username, opts.role ?? 'technician');
  const member = await activate(app, inviteToken, password);
  const actor: StaffActor = { ...member, password, token: null };
  if (opts.admit !== false) await admit(app, desk, actor);
  if (opts.login !== false) actor.token = (await login(app, username, password)).token;
  return actor;
}
