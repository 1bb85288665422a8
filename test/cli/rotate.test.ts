import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testTables } from '../helpers/app';
import * as p from '../../protocol/index';
import type { DeskApi } from '../../cli/staff/api';
import { rotateTeamKey } from '../../cli/staff/rotate';
import { loginStaff } from '../../cli/staff/session';
import { buildTestApp, type TestApp } from '../helpers/app';
import { addTechnician, api, appendEntry, setupDesk, type Desk, type StaffActor } from '../helpers/desk';
import { bearer, registerRequester, signIn, solvedPow } from '../helpers/requester';
import { listen, runCommand } from '../helpers/cli';

const { grants, wraps } = testTables;

interface Made {
  ticketId: string;
  messageId: string;
  ticketKey: p.TicketKey;
  requesterSignPk: p.SignPublicKey;
  note?: { messageId: string; noteKey: p.NoteKey };
}

let t: TestApp;
let desk: Desk;
let tom: StaffActor;
let rex: StaffActor;
const made: Made[] = [];

// The admin's client over app.inject (the same calls the CLI makes over HTTP).
const inject: DeskApi = { call: (method, url, body, token) => api(t.app, method, url, body, token) };
const adminSession = () => loginStaff(inject, desk.admin.username, desk.admin.password, undefined);

/** A requester's POST /api/tickets sealed to team key `team` (whatever the desk thinks is current). */
async function postTicket(requester: { keys: p.IdentityKeys; token: string }, team: p.TeamPublicKeyVersion) {
  const created = p.createTicket({
    payload: { v: 1, subject: 'Account hacked', body: 'Someone logged in from abroad', category: 'account', lang: 'en' },
    requesterSignSk: requester.keys.sign.secretKey,
    requesterBoxPk: requester.keys.box.publicKey,
    team,
  });
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/tickets',
    headers: bearer(requester.token),
    payload: { ...p.ticketSubmission(created), pow: await solvedPow(t, 'ticket') },
  });
  return { res, created };
}

async function newRequester() {
  const r = await registerRequester(t, desk.deskId);
  const res = await signIn(t, r.keys);
  return { keys: r.keys, token: res.json<{ token: string }>().token };
}

async function teamKeyOf(member: StaffActor, version: number): Promise<p.TeamKeyPair> {
  const me = (await api(t.app, 'GET', '/api/staff/me', undefined, member.token)).body as { grants: { teamKeyVersion: number; sealed: string }[] };
  const grant = me.grants.find((g) => g.teamKeyVersion === version);
  if (!grant) throw new Error(`${member.username} holds no grant for v${version}`);
  return p.openGrant(grant.sealed, member.keys.box);
}

beforeAll(async () => {
  // Given a desk set up through the API: admin, technicians tom and rex, team key v1
  t = await buildTestApp({ env: { SEALDESK_POW_DIFFICULTY: '4', SEALDESK_MAX_OPEN_TICKETS: '100' } });
  desk = await setupDesk(t.app);
  tom = await addTechnician(t.app, desk, 'tom');
  rex = await addTechnician(t.app, desk, 'rex');
  const v1 = { version: 1, publicKey: desk.teamKey.publicKey };
  // And 12 tickets from 3 requesters, 3 of them with an internal note by tom
  for (let r = 0; r < 3; r++) {
    const requester = await newRequester();
    for (let i = 0; i < 4; i++) {
      const { res, created } = await postTicket(requester, v1);
      expect(res.statusCode, res.body).toBe(201);
      made.push({ ticketId: created.ticketId, messageId: created.messageId, ticketKey: created.ticketKey, requesterSignPk: requester.keys.sign.publicKey });
    }
  }
  for (const m of made.slice(0, 3)) {
    const noteKey = p.newNoteKey();
    const messageId = p.newId();
    const envelope = p.sealMessage({
      kind: 'note',
      ticketId: m.ticketId,
      messageId,
      key: noteKey,
      payload: { v: 1, body: 'Looks like SIM swap' },
      authorSignSk: tom.keys.sign.secretKey,
    });
    const res = await api(t.app, 'POST', `/api/staff/tickets/${m.ticketId}/messages`, { messageId, kind: 'note', envelope, noteWrap: p.wrapKeyForTeam(noteKey, v1) }, tom.token);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    m.note = { messageId, noteKey };
  }
  // And rex has left: the admin disabled the account and removed it from the key log
  expect((await api(t.app, 'PATCH', `/api/admin/staff/${rex.staffId}`, { status: 'disabled' }, desk.admin.token)).status).toBe(200);
  await appendEntry(t.app, desk.admin, 'staff-remove', { staffId: rex.staffId });
});
afterAll(async () => t.close());

describe("npm run cli -- rotate (SPEC §7): the core's rotation steps driven over the API", () => {
  it('stops part-way when told to, leaving v1 live and the remaining wraps pending', async () => {
    // When the admin's client rotates but stops after one batch of 5 (as if killed)
    const partial = await rotateTeamKey(await adminSession(), { batchSize: 5, maxBatches: 1 });

    // Then v2 is current, 5 keys moved, 12 + 3 + 1 - 5 = 11 remain (the desk label key, committed
    // first on this desk from before label keys, waits for a page with room), and v1 is not retired yet
    expect(partial).toMatchObject({ version: 2, rewrapped: 5, complete: false, retired: [] });
    const status = (await api(t.app, 'GET', '/api/admin/rotation', undefined, desk.admin.token)).body;
    expect(status.currentVersion).toBe(2);
    expect(status.pending).toEqual({ tickets: 7, notes: 3, labels: 1 });
    expect(status.progress).toEqual({ ticket: { done: 5, total: 12 }, note: { done: 0, total: 3 }, label: { done: 0, total: 1 } });
    expect(status.previousVersions).toEqual([{ version: 1, wraps: 16, retired: false }]);
    // And tom got a v2 grant, rex (removed) did not
    expect((await t.db.select().from(grants).where(eq(grants.staffId, tom.staffId))).map((g) => g.teamKeyVersion).sort()).toEqual([1, 2]);
    expect((await t.db.select().from(grants).where(eq(grants.staffId, rex.staffId))).some((g) => g.teamKeyVersion === 2)).toBe(false);
  });

  it('a second `rotate` while one is unfinished continues it: no new team key', async () => {
    const lines: string[] = [];
    const more = await rotateTeamKey(await adminSession(), { batchSize: 1, maxBatches: 1, onProgress: (l) => lines.push(l) });
    expect(more).toMatchObject({ version: 2, rewrapped: 1, complete: false });
    expect(lines[0]).toBe('continuing the unfinished rotation to v2');
    expect(lines.join('\n')).not.toMatch(/appended team-key/);
  });

  it('answers 409 stale_team_key to a new ticket sealed to a non-current version mid-rotation', async () => {
    const requester = await newRequester();
    const { res } = await postTicket(requester, { version: 1, publicKey: desk.teamKey.publicKey });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ error: { code: 'stale_team_key' } });
  });

  it('completes with `rotate --resume` as a new command over HTTP and retires v1', async () => {
    // When the command is run again from scratch (a new login, a new vault) against the server
    const res = await runCommand(['rotate', '--resume', '--batch', '4', '--server', await listen(t)], { SEALDESK_ADMIN_PASSWORD: desk.admin.password });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toContain('rotation to team key v2 complete: 10 key(s) re-wrapped, retired v1');

    // Then nothing is pending, v1 holds no wraps and no grants at all (rex's old grant included)
    const status = (await api(t.app, 'GET', '/api/admin/rotation', undefined, desk.admin.token)).body;
    expect(status).toMatchObject({ currentVersion: 2, previousVersions: [], pending: { tickets: 0, notes: 0, labels: 0 } });
    expect(await t.db.select().from(wraps).where(eq(wraps.teamKeyVersion, 1))).toHaveLength(0);
    expect(await t.db.select().from(grants).where(eq(grants.teamKeyVersion, 1))).toHaveLength(0);
    expect(await t.db.select().from(grants).where(eq(grants.staffId, rex.staffId))).toHaveLength(0);
  });

  it('leaves every ticket and note readable by a technician with v2 alone', async () => {
    const v2 = await teamKeyOf(tom, 2);
    for (const m of made) {
      const res = await api(t.app, 'GET', `/api/staff/tickets/${m.ticketId}/messages`, undefined, tom.token);
      expect(res.status).toBe(200);
      const { ticket, messages } = res.body as {
        ticket: { teamWrap: p.TeamWrap; noteWrap: p.TeamWrap | null };
        messages: { messageId: string; kind: 'message' | 'note'; envelope: unknown }[];
      };
      expect(ticket.teamWrap.teamKeyVersion).toBe(2);
      const k = p.openTeamWrap(ticket.teamWrap, v2, 'ticket');
      expect(p.toB64(k)).toBe(p.toB64(m.ticketKey));
      const first = messages.find((x) => x.messageId === m.messageId)!;
      expect(p.openMessage({ kind: 'message', ticketId: m.ticketId, messageId: m.messageId, key: k, envelope: first.envelope, authorSignPk: m.requesterSignPk })).toMatchObject({
        subject: 'Account hacked',
      });
      if (m.note) {
        const n = p.openTeamWrap(ticket.noteWrap, v2, 'note');
        const note = messages.find((x) => x.messageId === m.note!.messageId)!;
        expect(
          p.openMessage({ kind: 'note', ticketId: m.ticketId, messageId: m.note.messageId, key: n, envelope: note.envelope, authorSignPk: tom.keys.sign.publicKey }).body,
        ).toBe('Looks like SIM swap');
      } else {
        expect(ticket.noteWrap).toBeNull();
      }
    }
  });

  it('answers 409 stale_team_key to a new ticket sealed to the retired version, and 201 to v2', async () => {
    const requester = await newRequester();
    const stale = await postTicket(requester, { version: 1, publicKey: desk.teamKey.publicKey });
    expect(stale.res.statusCode).toBe(409);
    expect(stale.res.json()).toMatchObject({ error: { code: 'stale_team_key' } });
    const v2 = await teamKeyOf(tom, 2);
    const fresh = await postTicket(requester, { version: 2, publicKey: v2.publicKey });
    expect(fresh.res.statusCode).toBe(201);
  });
});
