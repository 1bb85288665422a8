// Issue 10 on the server: the staff list the console shows, cancelling invites, disable as one
// action with the admin's signed staff-remove, role changes with role-set, the last key-log admin,
// the desk policy and the audit filters — all through the API, driven by the client core.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../../client-core';
import { expectOk } from '../../../cli/staff/api';
import { testTables } from '../../helpers/app';
import * as p from '../../../protocol/index';
import { buildTestApp, sqlRun, type TestApp } from '../../helpers/app';
import { api } from '../../helpers/desk';
import { TEST_POW_DIFFICULTY } from '../../helpers/requester';
import { activateInvite, ADMIN, addMember, fileTicket, teamDesk, type Member, type TeamDesk } from './team-desk';

const { grants, staff } = testTables;

let t: TestApp;
let d: TeamDesk;
let tom: Member;
let una: Member;

const staffList = async () => (await api(t.app, 'GET', '/api/admin/staff', undefined, (await d.admin()).token)).body;
const today = () => new Date().toISOString().slice(0, 10);

beforeAll(async () => {
  t = await buildTestApp({ env: { SEALDESK_POW_DIFFICULTY: TEST_POW_DIFFICULTY } });
  d = await teamDesk(t);
  tom = await addMember(d, 'tom');
  una = await addMember(d, 'una', { admit: false });
});
afterAll(async () => t.close());

describe('GET /api/admin/staff: what the console lists', () => {
  it('derives each state, gives the fingerprint inputs, the UTC day of the last sign-in and pending invites', async () => {
    // Given tom admitted and signed in, una activated only, a reset member and a pending first invite
    await d.session('tom', tom.password);
    const admin = await d.admin();
    const rex = await addMember(d, 'rex');
    await expectOk(d.deskApi, 'PATCH', `/api/admin/staff/${rex.staffId}`, { reset: true }, admin.token);
    const invite = await expectOk(d.deskApi, 'POST', '/api/admin/invites', { username: 'val', role: 'technician', ttlHours: 2 }, admin.token);
    // When the admin's console lists the staff
    const list = await staffList();
    const row = (name: string) => list.staff.find((s: { username: string }) => s.username === name);
    // Then every state is the derived one
    expect(row('ana')).toMatchObject({ state: 'active', lastSignInDay: today(), inviteExpiresAt: null });
    expect(row('tom')).toMatchObject({ state: 'active', admitted: true, lastSignInDay: today() });
    expect(row('una')).toMatchObject({ state: 'awaiting_admission', admitted: false, lastSignInDay: null });
    expect(row('rex')).toMatchObject({ state: 'invited', status: 'reset', boxPk: null, signPk: null });
    expect(row('rex').inviteExpiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000));
    // And the first invite is listed without an account; its expiry is what the admin chose (≤ 2 h)
    expect(list.invites).toContainEqual({ username: 'val', role: 'technician', expiresAt: invite.expiresAt, reenrolment: false });
    expect(list.invites).toContainEqual(expect.objectContaining({ username: 'rex', reenrolment: true }));
    expect(invite.expiresAt - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(2 * 3600);
    // And the day is all the database holds of it
    expect((await t.db.select({ d: staff.lastSignInDay }).from(staff).where(eq(staff.id, tom.staffId)))[0]!.d).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // And the roster view (over a freshly verified key log) computes the fingerprint the member saw,
    // with the protocol's one formatter
    const view = core.rosterView((await d.admin()).vault, list);
    expect(view.find((e) => e.username === 'una')).toMatchObject({ fingerprint: una.keyFingerprint, keyLog: 'absent', state: 'awaiting_admission' });
    expect(view.find((e) => e.username === 'tom')).toMatchObject({ fingerprint: tom.keyFingerprint, keyLog: 'member', keyLogRole: 'technician' });
    expect(view.find((e) => e.username === 'val')).toMatchObject({ staffId: null, state: 'invited', fingerprint: null });
    expect(view.find((e) => e.username === 'rex')).toMatchObject({ state: 'invited', keyLog: 'other_keys', fingerprint: null });
  });

  it('cancels a pending invite: the link stops working, the cancellation is audited', async () => {
    const admin = await d.admin();
    const { inviteToken } = await expectOk(d.deskApi, 'POST', '/api/admin/invites', { username: 'wes', role: 'technician' }, admin.token);
    const res = await api(t.app, 'DELETE', '/api/admin/invites/wes', undefined, admin.token);
    expect(res).toEqual({ status: 200, body: { cancelled: 1 } });
    await expect(activateInvite(d, inviteToken, 'wes has a long password')).rejects.toThrow(/401/);
    expect((await staffList()).invites.some((i: { username: string }) => i.username === 'wes')).toBe(false);
    expect((await api(t.app, 'DELETE', '/api/admin/invites/wes', undefined, admin.token)).status).toBe(404);
    const audit = (await api(t.app, 'GET', '/api/admin/audit?what=staff.invite_cancel', undefined, admin.token)).body;
    expect(audit.entries.map((e: { target: string }) => e.target)).toEqual(['wes']);
    // A technician cannot cancel invites
    const tomSession = await d.session('tom', tom.password);
    expect((await api(t.app, 'DELETE', '/api/admin/invites/val', undefined, tomSession.token)).status).toBe(403);
  });
});

describe('disable: one request with the admin’s signed staff-remove', () => {
  it('revokes every session, deletes the grants, appends staff-remove; the open session is refused next time', async () => {
    // Given tom signed in twice (two devices) and holding a grant
    const phone = await d.session('tom', tom.password);
    const laptop = await d.session('tom', tom.password);
    expect((await api(t.app, 'GET', '/api/staff/tickets', undefined, phone.token)).status).toBe(200);
    // When the admin's client disables tom
    const admin = await d.admin();
    const { body, entry } = core.prepareDisable(admin.vault, tom.staffId);
    expect(entry).toMatchObject({ type: 'staff-remove', body: { staffId: tom.staffId }, signer: admin.staffId });
    const res = await api(t.app, 'PATCH', `/api/admin/staff/${tom.staffId}`, body, admin.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ staffId: tom.staffId, status: 'disabled', keyLogSeq: entry!.seq });
    expect(res.body.signedOut).toBeGreaterThanOrEqual(3);
    core.recordKeyLogEntry(admin.vault, entry!);
    // Then both open sessions are refused on their next request
    for (const s of [phone, laptop]) expect((await api(t.app, 'GET', '/api/staff/tickets', undefined, s.token)).status).toBe(401);
    expect((await api(t.app, 'GET', '/api/staff/me', undefined, phone.token)).status).toBe(401);
    // And no grant is left, and the verified key log lists tom as removed
    expect(await t.db.select().from(grants).where(eq(grants.staffId, tom.staffId))).toEqual([]);
    const state = p.verifyKeyLog((await expectOk(d.deskApi, 'GET', '/api/keylog')).entries);
    expect(state.staff.get(tom.staffId)?.active).toBe(false);
    const last = (await expectOk(d.deskApi, 'GET', `/api/keylog?after=${entry!.seq - 1}`)).entries[0];
    expect(last).toMatchObject({ type: 'staff-remove', body: { staffId: tom.staffId } });
    // And the roster says so; the audit row counts what went
    expect(core.rosterView(admin.vault, await staffList()).find((e) => e.username === 'tom')).toMatchObject({ state: 'disabled', keyLog: 'former_member' });
    const audit = (await api(t.app, 'GET', `/api/admin/audit?what=staff.disable`, undefined, admin.token)).body.entries;
    expect(audit.at(-1)).toMatchObject({ actorStaffId: admin.staffId, target: tom.staffId, detail: { keyLogSeq: entry!.seq, grantsDeleted: 1 } });
    // And tom cannot sign in to anything any more
    await expect(d.session('tom', tom.password)).rejects.toThrow();
  });

  it('refuses an entry that is not this member’s staff-remove, and changes nothing', async () => {
    const dan = await addMember(d, 'dan');
    const admin = await d.admin();
    const wrong = core.signNextEntry(admin.vault, 'role-set', { staffId: dan.staffId, role: 'admin' });
    const res = await api(t.app, 'PATCH', `/api/admin/staff/${dan.staffId}`, { status: 'disabled', entry: wrong }, admin.token);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('entry_mismatch');
    // A staff-remove signed by someone else's key is refused as the key log refuses it
    const forged = p.signKeyLogEntry(
      p.buildKeyLogEntry(admin.vault.keyLog!, { type: 'staff-remove', body: { staffId: dan.staffId }, signer: admin.staffId, at: 1 }),
      p.generateStaffKeys().sign.secretKey,
    );
    const refused = await api(t.app, 'PATCH', `/api/admin/staff/${dan.staffId}`, { status: 'disabled', entry: forged }, admin.token);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('keylog_invalid');
    expect((await staffList()).staff.find((s: { username: string }) => s.username === 'dan')).toMatchObject({ status: 'active', state: 'active' });
  });

  it('never removes the last key-log admin: not by PATCH, not by the key log', async () => {
    const admin = await d.admin();
    expect(() => core.prepareDisable(admin.vault, admin.staffId)).toThrow(/another admin/);
    const self = p.signKeyLogEntry(
      p.buildKeyLogEntry(admin.vault.keyLog!, { type: 'staff-remove', body: { staffId: admin.staffId }, signer: admin.staffId, at: 2 }),
      admin.vault.staff!.keys.sign.secretKey,
    );
    const res = await api(t.app, 'POST', '/api/keylog', { entry: self }, admin.token);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('keylog_invalid');
    const viaPatch = await api(t.app, 'PATCH', `/api/admin/staff/${admin.staffId}`, { status: 'disabled', entry: self }, admin.token);
    expect(viaPatch.body.error.code).toBe('self_change');
  });
});

describe('role changes carry the signed role-set', () => {
  it('promotes a technician in the table and the log at once; the new admin can then sign', async () => {
    const eve = await addMember(d, 'eve');
    const admin = await d.admin();
    const { body, entry } = core.prepareRoleChange(admin.vault, eve.staffId, 'admin');
    expect(entry).toMatchObject({ type: 'role-set', body: { staffId: eve.staffId, role: 'admin' } });
    const res = await api(t.app, 'PATCH', `/api/admin/staff/${eve.staffId}`, body, admin.token);
    expect(res.body).toMatchObject({ role: 'admin', keyLogSeq: entry!.seq });
    // Then eve is a key-log admin: her own session reaches the admin routes
    const eveSession = await d.session('eve', eve.password);
    expect((await api(t.app, 'GET', '/api/admin/policy', undefined, eveSession.token)).status).toBe(200);
    // And a role-set for another role than the body's is refused
    const mismatch = core.signNextEntry(eveSession.vault, 'role-set', { staffId: admin.staffId, role: 'technician' });
    const refused = await api(t.app, 'PATCH', `/api/admin/staff/${admin.staffId}`, { role: 'admin', entry: mismatch }, eveSession.token);
    expect(refused.body.error.code).toBe('entry_mismatch');
  });
});

describe('GET /api/admin/policy and the audit filters', () => {
  it('shows the configured policy and says only two-factor is editable at run time', async () => {
    const res = await api(t.app, 'GET', '/api/admin/policy', undefined, (await d.admin()).token);
    expect(res.body).toMatchObject({ powDifficulty: Number(TEST_POW_DIFFICULTY), twoFactorRequired: false, editable: ['twoFactorRequired'] });
    expect(res.body.retentionDays).toBeGreaterThan(0);
    expect(res.body.quotas.openTicketsPerRequester).toBeGreaterThan(0);
  });

  it('filters by who, what and since, pages the filtered list, and reports the whole chain', async () => {
    await fileTicket(d);
    const admin = await d.admin();
    const all = (await api(t.app, 'GET', '/api/admin/audit?limit=500', undefined, admin.token)).body;
    expect(all.chain).toEqual({ ok: true, count: all.entries.length, brokenAt: null });
    expect(core.auditView(all).linksOk).toBe(true);
    const mine = (await api(t.app, 'GET', `/api/admin/audit?limit=500&who=${admin.staffId}&what=staff`, undefined, admin.token)).body.entries;
    expect(mine.length).toBeGreaterThan(3);
    expect(mine.every((e: { actorStaffId: string; action: string }) => e.actorStaffId === admin.staffId && e.action.startsWith('staff.'))).toBe(true);
    // "staff" is a family: "staffx" would not match, "staff.login" does
    expect(mine.some((e: { action: string }) => e.action === 'staff.login')).toBe(true);
    const later = (await api(t.app, 'GET', `/api/admin/audit?since=${all.entries.at(-1).at + 1}`, undefined, admin.token)).body.entries;
    expect(later.every((e: { at: number }) => e.at > all.entries.at(-1).at)).toBe(true);
    const page1 = (await api(t.app, 'GET', '/api/admin/audit?limit=2&what=staff.login', undefined, admin.token)).body;
    const page2 = (await api(t.app, 'GET', `/api/admin/audit?limit=2&what=staff.login&after=${page1.nextAfter}`, undefined, admin.token)).body;
    expect(page2.entries[0].seq).toBeGreaterThan(page1.entries[1].seq);
    expect([...page1.entries, ...page2.entries].every((e: { action: string }) => e.action === 'staff.login')).toBe(true);
    expect((await api(t.app, 'GET', '/api/admin/audit?what=STAFF%25', undefined, admin.token)).status).toBe(400);
    expect((await api(t.app, 'GET', `/api/admin/audit`, undefined, (await d.session(ADMIN.username, ADMIN.password)).token)).status).toBe(200);
  });

  it('reports a tampered chain with the first broken row', async () => {
    const admin = await d.admin();
    await sqlRun(t, `UPDATE audit SET detail = '{"forged":true}' WHERE seq = 3`);
    const res = (await api(t.app, 'GET', '/api/admin/audit?limit=5', undefined, admin.token)).body;
    expect(res.chain).toMatchObject({ ok: false, brokenAt: 3 });
  });
});
