import { beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { newId, newNoteKey, openGrant, openTeamWrap, sealMessage, wrapKeyForTeam, type NoteKey, type TicketKey } from '../../../protocol/index';
import { testTables, sqlAll, sqlGet } from '../../helpers/app';
import { appendMessage } from '../../../server/services/messages';
import { bearer, seedDesk, seedStaff, teamPublicKey, withDesk, type SignedInStaff } from '../../helpers/desk';
import { buildJourneyApp, expectError, newRequester, submitTicket, type JourneyRequester } from '../../helpers/requester';

const { grants, staff, tickets } = testTables;

interface Thread {
  ticket: Record<string, unknown>;
  messages: { messageId: string; seq: number; kind: string }[];
}

// Many tickets for one requester in this file; the quota itself is tested below and in tickets.test.ts.
const fx = withDesk({ via: 'db', technicians: ['tech'], env: { SEALDESK_MAX_OPEN_TICKETS: '100' } });
let alice: JourneyRequester;
let mallory: JourneyRequester;
beforeAll(async () => {
  alice = await newRequester(fx.t, fx.desk);
  mallory = await newRequester(fx.t, fx.desk);
});

// The thread has two routes (docs/API.md): a requester's under /api/tickets, staff's under
// /api/staff/tickets. The token's kind picks the route a real client of that kind would use.
const isStaffToken = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { typ?: string }).typ === 'staff';
const threadUrl = (token: string, ticketId: string) => (isStaffToken(token) ? `/api/staff/tickets/${ticketId}/messages` : `/api/tickets/${ticketId}/messages`);
const thread = (token: string, ticketId: string) => fx.app.inject({ method: 'GET', url: threadUrl(token, ticketId), headers: bearer(token) });
/** Staff bodies carry `kind` ('message' unless given); a requester's body is sent exactly as built. */
const post = (token: string, ticketId: string, payload: object, app = fx.app) =>
  app.inject({ method: 'POST', url: threadUrl(token, ticketId), headers: bearer(token), payload: isStaffToken(token) ? { kind: 'message', ...payload } : payload });
/** A reply as a requester sends it: {messageId, envelope}; post() adds kind 'message' for staff. */
const reply = (ticketId: string, key: TicketKey, signer: { keys: { sign: { secretKey: Parameters<typeof sealMessage>[0]['authorSignSk'] } } }, body = 'hello') => {
  const messageId = newId();
  return { messageId, envelope: sealMessage({ kind: 'message', ticketId, messageId, key, payload: { v: 1, body }, authorSignSk: signer.keys.sign.secretKey }) };
};
const note = (ticketId: string, key: NoteKey, signer: SignedInStaff, body = 'internal') => {
  const messageId = newId();
  return { messageId, kind: 'note' as const, envelope: sealMessage({ kind: 'note', ticketId, messageId, key, payload: { v: 1, body }, authorSignSk: signer.keys.sign.secretKey }) };
};
const teamPk = () => teamPublicKey(fx.desk);

describe("another requester's ticket", () => {
  it('GET and POST answer exactly as for a ticket that does not exist (404)', async () => {
    const { ticketId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    const missing = newId();
    const g1 = await thread(mallory.token, ticketId);
    const g2 = await thread(mallory.token, missing);
    expect(expectError(g1, 404, 'not_found')).toEqual(expectError(g2, 404, 'not_found'));
    const p1 = await post(mallory.token, ticketId, reply(ticketId, ticketKey, mallory));
    const p2 = await post(mallory.token, missing, reply(missing, ticketKey, mallory));
    expect(expectError(p1, 404, 'not_found')).toEqual(expectError(p2, 404, 'not_found'));
    // Even a note attempt on someone else's ticket is the same 404, not a 400 that confirms it exists.
    expectError(await post(mallory.token, ticketId, { ...reply(ticketId, ticketKey, mallory), kind: 'note' }), 404, 'not_found');
  });
});

describe('POST /api/tickets/:id/messages', () => {
  it('refuses a duplicate message id (409)', async () => {
    const { ticketId, messageId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    const first = reply(ticketId, ticketKey, alice);
    expect((await post(alice.token, ticketId, first)).statusCode).toBe(201);
    expectError(await post(alice.token, ticketId, first), 409, 'conflict');
    // Reusing the first message's id, freshly signed for that id, is refused too.
    const reused = {
      messageId,
      envelope: sealMessage({ kind: 'message', ticketId, messageId, key: ticketKey, payload: { v: 1, body: 'x' }, authorSignSk: alice.keys.sign.secretKey }),
    };
    expectError(await post(alice.token, ticketId, reused), 409, 'conflict');
  });

  it('refuses unsigned and wrongly signed messages from requesters and staff (400 bad_signature)', async () => {
    const { ticketId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    const signedByMallory = reply(ticketId, ticketKey, mallory);
    expectError(await post(alice.token, ticketId, signedByMallory), 400, 'bad_signature');
    const zeroed = reply(ticketId, ticketKey, alice);
    expectError(await post(alice.token, ticketId, { ...zeroed, envelope: { ...zeroed.envelope, sig: 'A'.repeat(86) } }), 400, 'bad_signature');
    const other = await seedStaff(fx.app, fx.desk, 'other-signer');
    expectError(await post(fx.staff.tech.token, ticketId, reply(ticketId, ticketKey, other)), 400, 'bad_signature');
    const { sig: _sig, ...unsigned } = zeroed.envelope;
    expectError(await post(alice.token, ticketId, { ...zeroed, envelope: unsigned }), 400, 'validation_failed');
  });

  it('refuses notes and noteWraps from requesters on their own ticket (400): the body cannot express them', async () => {
    const { ticketId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    const r = reply(ticketId, ticketKey, alice);
    expectError(await post(alice.token, ticketId, { ...r, kind: 'note' }), 400, 'validation_failed');
    expectError(await post(alice.token, ticketId, { ...r, kind: 'message' }), 400, 'validation_failed');
    expectError(await post(alice.token, ticketId, { ...r, noteWrap: wrapKeyForTeam(newNoteKey(), teamPk()) }), 400, 'validation_failed');
  });

  it("refuses a requester's note on the staff route too (401: a requester session is the wrong kind)", async () => {
    const { ticketId } = await submitTicket(fx.t, fx.desk, alice);
    const N = newNoteKey();
    const n = note(ticketId, N, alice as unknown as SignedInStaff);
    const res = await fx.app.inject({
      method: 'POST',
      url: `/api/staff/tickets/${ticketId}/messages`,
      headers: bearer(alice.token),
      payload: { ...n, noteWrap: wrapKeyForTeam(N, teamPk()) },
    });
    expectError(res, 401, 'unauthorized');
    expect(await sqlGet(fx.t, "select count(*) as n from messages where ticket_id = ? and kind = 'note'", ticketId)).toEqual({ n: 0 });
  });

  it('refuses a note by a requester author in the messages service itself (403), whatever route called it', async () => {
    const { ticketId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    const r = reply(ticketId, ticketKey, alice);
    const attempt = () =>
      appendMessage(fx.t.db, {
        ticketId,
        author: { type: 'requester', requesterId: alice.requesterId },
        messageId: r.messageId,
        kind: 'note',
        envelope: r.envelope,
        noteWrap: wrapKeyForTeam(newNoteKey(), teamPk()),
        maxMessagesPerHour: 100,
        now: Math.floor(Date.now() / 1000),
      });
    await expect(attempt()).rejects.toThrow(expect.objectContaining({ code: 'forbidden', status: 403 }));
    expect(await sqlGet(fx.t, 'select count(*) as n from messages where id = ?', r.messageId)).toEqual({ n: 0 });
  });

  it('refuses a requester message to a closed ticket (409 ticket_closed)', async () => {
    const { ticketId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    await fx.t.db
      .update(tickets)
      .set({ status: 'closed', closedAt: Math.floor(Date.now() / 1000) })
      .where(eq(tickets.id, ticketId));
    expectError(await post(alice.token, ticketId, reply(ticketId, ticketKey, alice)), 409, 'ticket_closed');
  });

  it('moves status: staff reply new → open, requester reply waiting_requester → open', async () => {
    const { ticketId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    const status = async () => (await fx.t.db.select({ s: tickets.status }).from(tickets).where(eq(tickets.id, ticketId)))[0]!.s;
    expect((await post(fx.staff.tech.token, ticketId, reply(ticketId, ticketKey, fx.staff.tech))).statusCode).toBe(201);
    expect(await status()).toBe('open');
    await fx.t.db.update(tickets).set({ status: 'waiting_requester' }).where(eq(tickets.id, ticketId));
    expect((await post(alice.token, ticketId, reply(ticketId, ticketKey, alice))).statusCode).toBe(201);
    expect(await status()).toBe('open');
  });
});

describe('internal notes', () => {
  it('need N sealed to the current team key on the first note, and never reach the requester', async () => {
    // Given a ticket with a staff reply
    const { ticketId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    expect((await post(fx.staff.tech.token, ticketId, reply(ticketId, ticketKey, fx.staff.tech))).statusCode).toBe(201);
    const before = (await fx.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(alice.token) })).json<{ tickets: { ticketId: string }[] }>();
    const N = newNoteKey();

    // When the first note comes without its key wrap, it is refused
    expectError(await post(fx.staff.tech.token, ticketId, note(ticketId, N, fx.staff.tech)), 400, 'note_key_missing');
    // …and a wrap for an unknown team key version is stale
    expectError(
      await post(fx.staff.tech.token, ticketId, { ...note(ticketId, N, fx.staff.tech), noteWrap: { teamKeyVersion: 42, sealed: wrapKeyForTeam(N, teamPk()).sealed } }),
      409,
      'stale_team_key',
    );
    // When it carries noteWrap, it is stored
    const first = await post(fx.staff.tech.token, ticketId, { ...note(ticketId, N, fx.staff.tech), noteWrap: wrapKeyForTeam(N, teamPk()) });
    expect(first.statusCode).toBe(201);
    // A second note with another wrap is a conflict; without one it is fine
    expectError(await post(fx.staff.tech.token, ticketId, { ...note(ticketId, N, fx.staff.tech), noteWrap: wrapKeyForTeam(N, teamPk()) }), 409, 'conflict');
    expect((await post(fx.staff.tech.token, ticketId, note(ticketId, N, fx.staff.tech, 'second'))).statusCode).toBe(201);
    // A note signed by someone else is refused
    const other = await seedStaff(fx.app, fx.desk, 'other-note-signer');
    expectError(await post(fx.staff.tech.token, ticketId, note(ticketId, N, other)), 400, 'bad_signature');
    // Notes are audited as such, without content
    const audited = await sqlAll(fx.t, "select action, detail from audit where target = ? and action = 'ticket.note'", ticketId);
    expect(audited).toEqual([
      { action: 'ticket.note', detail: '{}' },
      { action: 'ticket.note', detail: '{}' },
    ]);

    // Then staff see both notes and can open N with the team key
    const st = (await thread(fx.staff.tech.token, ticketId)).json<Thread & { ticket: { noteWrap: { teamKeyVersion: number; sealed: string } } }>();
    expect(st.messages.map((m) => m.kind)).toEqual(['message', 'message', 'note', 'note']);
    const grant = (await fx.t.db.select().from(grants).where(eq(grants.staffId, fx.staff.tech.staffId)))[0]!;
    expect(openTeamWrap(st.ticket.noteWrap, openGrant(grant.sealed, fx.staff.tech.keys.box), 'note')).toEqual(N);

    // And the requester sees no trace of them: no note, dense seq, no noteWrap, count and times unchanged
    const rt = (await thread(alice.token, ticketId)).json<Thread>();
    expect(rt.messages.map((m) => m.kind)).toEqual(['message', 'message']);
    expect(rt.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(Object.keys(rt.ticket).sort()).toEqual(['requesterSignPk', 'requesterWrap', 'status', 'ticketId']);
    const after = (await fx.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(alice.token) })).json<{ tickets: { ticketId: string }[] }>();
    expect(after).toEqual(before);

    // And a requester reply after the notes comes back to them without a gap
    expect((await post(alice.token, ticketId, reply(ticketId, ticketKey, alice))).statusCode).toBe(201);
    expect((await thread(alice.token, ticketId)).json<Thread>().messages.map((m) => m.seq)).toEqual([1, 2, 3]);
  });
});

describe('staff access', () => {
  it('refuses staff the key log has not admitted (403 not_admitted) and disabled staff (401)', async () => {
    const { ticketId, ticketKey } = await submitTicket(fx.t, fx.desk, alice);
    const newcomer = await seedStaff(fx.app, fx.desk, 'newcomer', { admit: false });
    expectError(await thread(newcomer.token, ticketId), 403, 'not_admitted');
    expectError(await post(newcomer.token, ticketId, reply(ticketId, ticketKey, newcomer)), 403, 'not_admitted');
    const leaver = await seedStaff(fx.app, fx.desk, 'leaver');
    expect((await thread(leaver.token, ticketId)).statusCode).toBe(200);
    await fx.t.db.update(staff).set({ status: 'disabled' }).where(eq(staff.id, leaver.staffId));
    expectError(await thread(leaver.token, ticketId), 401, 'unauthorized');
  });

  it('answers 404 for a ticket that does not exist', async () => {
    expectError(await thread(fx.staff.tech.token, newId()), 404, 'not_found');
  });

  it('refuses a malformed ticket id and a missing token', async () => {
    expectError(await thread(fx.staff.tech.token, 'not-an-id'), 400, 'validation_failed');
    expectError(await fx.app.inject({ method: 'GET', url: `/api/tickets/${newId()}/messages` }), 401, 'unauthorized');
  });
});

describe('messages-per-hour quota', () => {
  it('refuses the requester message over the hourly quota with 429 quota_exceeded, counting the first message', async () => {
    const local = await buildJourneyApp({ env: { SEALDESK_MAX_MESSAGES_PER_HOUR: '3' } });
    try {
      const d = await seedDesk(local.app);
      const tk = await seedStaff(local.app, d, 'tk');
      const r = await newRequester(local, d);
      const { ticketId, ticketKey } = await submitTicket(local, d, r);
      const send = (who: { token: string; keys: JourneyRequester['keys'] }) => post(who.token, ticketId, reply(ticketId, ticketKey, who), local.app);
      expect((await send(r)).statusCode).toBe(201);
      expect((await send(r)).statusCode).toBe(201);
      expectError(await send(r), 429, 'quota_exceeded');
      // Staff replies are not limited by the requester's quota.
      expect((await send(tk)).statusCode).toBe(201);
    } finally {
      await local.close();
    }
  });
});
