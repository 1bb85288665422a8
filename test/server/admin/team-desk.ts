// A desk for the team's-life suites (issue 10), built only the way real clients build it: the
// client core's setup, activation and admission, and the staff CLI's session functions over
// app.inject (the same calls `cli/staff` makes over HTTP). Real SQLite, real libsodium; staff
// passwords use CHEAP_KDF. Requesters and tickets go through the public requester API.
import * as core from '../../../client-core';
import { admitMember } from '../../../cli/staff/admit';
import type { DeskApi } from '../../../cli/staff/api';
import { expectOk } from '../../../cli/staff/api';
import { loginStaff, type StaffSession } from '../../../cli/staff/session';
import * as p from '../../../protocol/index';
import { createSetupToken } from '../../../server/plugins/app/desk';
import { CHEAP_KDF } from '../../fixtures/kdf';
import type { TestApp } from '../../helpers/app';
import { api } from '../../helpers/desk';
import { bearer, registerRequester, signIn, solvedPow } from '../../helpers/requester';

export const ADMIN = { username: 'ana', password: 'ana has a long admin password' };

export interface TeamDesk {
  t: TestApp;
  deskApi: DeskApi;
  deskId: string;
  /** A fresh signed-in, unlocked session (a new vault each time, like a new CLI run). */
  session: (username: string, password: string) => Promise<StaffSession>;
  admin: () => Promise<StaffSession>;
}

export async function teamDesk(t: TestApp): Promise<TeamDesk> {
  await p.ready();
  const deskApi: DeskApi = { call: (method, url, body, token) => api(t.app, method, url, body, token) };
  const { token } = await createSetupToken(t.app.db);
  const { deskId } = await expectOk(deskApi, 'GET', '/api/desk');
  const { request } = core.prepareSetup(core.createVault(deskId), ADMIN, CHEAP_KDF);
  await expectOk(deskApi, 'POST', '/api/setup', { token, ...request });
  const session = (username: string, password: string) => loginStaff(deskApi, username, password, undefined);
  return { t, deskApi, deskId, session, admin: () => session(ADMIN.username, ADMIN.password) };
}

export interface Member {
  staffId: string;
  username: string;
  password: string;
  /** What the member's own screen showed at activation (the one display form). */
  keyFingerprint: string;
}

/** The invitee's side of an invite (first or re-enrolment): look it up, make keys, activate. */
export async function activateInvite(d: TeamDesk, inviteToken: string, password: string): Promise<Member> {
  const info = await expectOk(d.deskApi, 'POST', '/api/staff/invite', { inviteToken });
  const prepared = core.prepareActivation({ staffId: info.staffId, password }, CHEAP_KDF);
  await expectOk(d.deskApi, 'POST', '/api/staff/activate', { inviteToken, staffId: prepared.staffId, ...prepared.enrolment });
  return { staffId: prepared.staffId, username: info.username, password, keyFingerprint: prepared.keyFingerprint };
}

/** Invited and activated; admitted (staff-add + grant, fingerprint compared) unless told otherwise. */
export async function addMember(d: TeamDesk, username: string, opts: { role?: 'admin' | 'technician'; admit?: boolean } = {}): Promise<Member> {
  const admin = await d.admin();
  const { inviteToken } = await expectOk(d.deskApi, 'POST', '/api/admin/invites', { username, role: opts.role ?? 'technician' }, admin.token);
  const member = await activateInvite(d, inviteToken, `${username} has a long password`);
  if (opts.admit !== false) await admitMember(admin, username, member.keyFingerprint);
  return member;
}

export interface Ticket {
  ticketId: string;
  messageId: string;
}

/** A requester files a ticket sealed to the team key the verified log names as current. */
export async function fileTicket(d: TeamDesk, subject = 'Account hacked'): Promise<Ticket> {
  const r = await registerRequester(d.t, d.deskId);
  const { token } = (await signIn(d.t, r.keys)).json<{ token: string }>();
  const state = p.verifyKeyLog((await expectOk(d.deskApi, 'GET', '/api/keylog')).entries);
  const created = p.createTicket({
    payload: { v: 1, subject, body: 'Someone logged in from abroad', category: 'account', lang: 'en' },
    requesterSignSk: r.keys.sign.secretKey,
    requesterBoxPk: r.keys.box.publicKey,
    team: p.teamPublicKeyOf(state),
  });
  const res = await d.t.app.inject({
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(token),
    payload: { ...p.ticketSubmission(created), pow: await solvedPow(d.t, 'ticket') },
  });
  if (res.statusCode !== 201) throw new Error(`ticket: ${res.statusCode} ${res.body}`);
  return { ticketId: created.ticketId, messageId: created.messageId };
}

/** A staff reply through the client core, as `cli reply` sends it. */
export async function reply(s: StaffSession, ticketId: string, body: string): Promise<string> {
  const thread = await expectOk(s.desk, 'GET', `/api/staff/tickets/${ticketId}/messages`, undefined, s.token);
  core.openStaffThread(s.vault, thread.ticket, thread.messages);
  const sealed = core.sealStaffReply(s.vault, ticketId, body);
  await expectOk(s.desk, 'POST', `/api/staff/tickets/${ticketId}/messages`, { messageId: sealed.messageId, kind: 'message', envelope: sealed.envelope }, s.token);
  return sealed.messageId;
}

/** The thread as this session's client shows it: message id → signature status and text. */
export async function readThread(s: StaffSession, ticketId: string): Promise<Map<string, core.DisplayMessage>> {
  const thread = await expectOk(s.desk, 'GET', `/api/staff/tickets/${ticketId}/messages`, undefined, s.token);
  return new Map(core.openStaffThread(s.vault, thread.ticket, thread.messages).messages.map((m) => [m.messageId, m]));
}
