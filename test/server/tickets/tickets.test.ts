import { beforeAll, describe, expect, it } from 'vitest';
import { newId, sealMessage, toB64 } from '../../../protocol/index';
import { testTables } from '../../helpers/app';
import { eq } from 'drizzle-orm';
import { bearer, seedDesk, seedTeamKey, withDesk } from '../../helpers/desk';
import { FIRST_MESSAGE, buildJourneyApp, expectError, newRequester, solvedPow, submitTicket, ticketBody, type JourneyRequester } from '../../helpers/requester';

const { messages, tickets, wraps } = testTables;

const fx = withDesk({ via: 'db' });
let alice: JourneyRequester;
beforeAll(async () => {
  alice = await newRequester(fx.t, fx.desk);
});

const create = (token: string, payload: object) => fx.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(token), payload });
const ticketRows = async (id: string) => await fx.t.db.select().from(tickets).where(eq(tickets.id, id));

describe('POST /api/tickets', () => {
  it('stores the ticket, both wraps and the first message, with hour-rounded times', async () => {
    const { ticketId, messageId } = await submitTicket(fx.t, fx.desk, alice);
    const [row] = await ticketRows(ticketId);
    expect(row).toMatchObject({ requesterId: alice.requesterId, status: 'new', priority: 'normal', assigneeId: null });
    expect(row!.createdAt % 3600).toBe(0);
    const w = await fx.t.db.select().from(wraps).where(eq(wraps.ticketId, ticketId));
    expect(w.map((x) => [x.keyKind, x.recipient, x.teamKeyVersion]).sort()).toEqual([
      ['ticket', 'requester', null],
      ['ticket', 'team', fx.desk.teamKeyVersion],
    ]);
    const m = await fx.t.db.select().from(messages).where(eq(messages.ticketId, ticketId));
    expect(m).toMatchObject([{ id: messageId, seq: 1, kind: 'message', authorType: 'requester', authorStaffId: null }]);
  });

  it('refuses a body without a proof of work once the first ticket is filed', async () => {
    const { body } = await ticketBody(fx.t, fx.desk, alice);
    const { pow: _pow, ...noPow } = body;
    expectError(await create(alice.token, noPow), 400, 'pow_required');
    expect(await ticketRows(body.ticketId)).toEqual([]);
  });

  it('refuses a proof of work issued for registration', async () => {
    const { body } = await ticketBody(fx.t, fx.desk, alice);
    expectError(await create(alice.token, { ...body, pow: await solvedPow(fx.t, 'register') }), 400, 'pow_invalid');
  });

  it('refuses a replayed proof of work', async () => {
    const first = await ticketBody(fx.t, fx.desk, alice);
    expect((await create(alice.token, first.body)).statusCode).toBe(201);
    const second = await ticketBody(fx.t, fx.desk, alice);
    expectError(await create(alice.token, { ...second.body, pow: first.body.pow }), 400, 'pow_replayed');
    expect(await ticketRows(second.body.ticketId)).toEqual([]);
  });

  it('refuses a duplicate ticket id and a duplicate message id (409)', async () => {
    const first = await submitTicket(fx.t, fx.desk, alice);
    const again = await ticketBody(fx.t, fx.desk, alice);
    // A different requester-signed message under the existing ticket id.
    const dupTicket = {
      ...again.body,
      ticketId: first.ticketId,
      message: sealMessage({
        kind: 'message',
        ticketId: first.ticketId,
        messageId: again.body.messageId,
        key: again.ticketKey,
        payload: FIRST_MESSAGE,
        authorSignSk: alice.keys.sign.secretKey,
      }),
    };
    expectError(await create(alice.token, dupTicket), 409, 'conflict');
    const other = await ticketBody(fx.t, fx.desk, alice);
    const dupMessage = {
      ...other.body,
      messageId: first.messageId,
      message: sealMessage({
        kind: 'message',
        ticketId: other.body.ticketId,
        messageId: first.messageId,
        key: other.ticketKey,
        payload: FIRST_MESSAGE,
        authorSignSk: alice.keys.sign.secretKey,
      }),
    };
    expectError(await create(alice.token, dupMessage), 409, 'conflict');
    expect(await ticketRows(other.body.ticketId)).toEqual([]);
  });

  it('refuses a first message that is unsigned, signed by someone else, or moved from another ticket', async () => {
    const mallory = await newRequester(fx.t, fx.desk);
    const { body, ticketKey } = await ticketBody(fx.t, fx.desk, alice);
    const zeroSig = { ...body, message: { ...body.message, sig: toB64(new Uint8Array(64)) } };
    expectError(await create(alice.token, zeroSig), 400, 'bad_signature');
    const bySomeoneElse = {
      ...body,
      message: sealMessage({
        kind: 'message',
        ticketId: body.ticketId,
        messageId: body.messageId,
        key: ticketKey,
        payload: FIRST_MESSAGE,
        authorSignSk: mallory.keys.sign.secretKey,
      }),
    };
    expectError(await create(alice.token, bySomeoneElse), 400, 'bad_signature');
    const moved = { ...body, ticketId: newId() };
    expectError(await create(alice.token, moved), 400, 'bad_signature');
    const noSig = { ...body, message: { v: 1, nonce: body.message.nonce, ct: body.message.ct } };
    expectError(await create(alice.token, noSig), 400, 'validation_failed');
  });

  it('refuses a wrap for an unknown team key version (409 stale_team_key)', async () => {
    const { body } = await ticketBody(fx.t, fx.desk, alice);
    expectError(await create(alice.token, { ...body, teamWrap: { ...body.teamWrap, teamKeyVersion: 99 } }), 409, 'stale_team_key');
    expect(await ticketRows(body.ticketId)).toEqual([]);
  });

  it('refuses an oversized body (413)', async () => {
    const { body } = await ticketBody(fx.t, fx.desk, alice);
    const huge = { ...body, message: { ...body.message, ct: 'A'.repeat(300 * 1024) } };
    expectError(await create(alice.token, huge), 413, 'payload_too_large');
  });

  it('refuses callers without a requester session', async () => {
    const { body } = await ticketBody(fx.t, fx.desk, alice);
    expectError(await fx.app.inject({ method: 'POST', url: '/api/tickets', payload: body }), 401, 'unauthorized');
    expectError(await create(fx.desk.admin.token, body), 401, 'unauthorized');
  });
});

describe('POST /api/tickets after a team key rotation', () => {
  it('refuses a wrap for a retired team key version and accepts the new one', async () => {
    const local = await buildJourneyApp();
    try {
      const d = await seedDesk(local.app);
      const r = await newRequester(local, d);
      const stale = await ticketBody(local, d, r); // sealed to v1
      await seedTeamKey(local.app, d, { retirePrevious: true });
      const res = await local.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(r.token), payload: stale.body });
      expectError(res, 409, 'stale_team_key');
      const fresh = await ticketBody(local, d, r); // sealed to v2
      expect((await local.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(r.token), payload: fresh.body })).statusCode).toBe(201);
    } finally {
      await local.close();
    }
  });

  it('refuses a wrap for the previous version while a rotation is under way (not yet retired)', async () => {
    const local = await buildJourneyApp();
    try {
      const d = await seedDesk(local.app);
      const r = await newRequester(local, d);
      const old = await ticketBody(local, d, r);
      await seedTeamKey(local.app, d);
      expectError(await local.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(r.token), payload: old.body }), 409, 'stale_team_key');
    } finally {
      await local.close();
    }
  });
});

describe('open-ticket quota', () => {
  it('refuses a third open ticket with 429 quota_exceeded, and frees a slot when one is resolved', async () => {
    const local = await buildJourneyApp({ env: { SEALDESK_MAX_OPEN_TICKETS: '2' } });
    try {
      const d = await seedDesk(local.app);
      const r = await newRequester(local, d);
      const first = await submitTicket(local, d, r);
      await submitTicket(local, d, r);
      const third = await ticketBody(local, d, r);
      const res = await local.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(r.token), payload: third.body });
      expectError(res, 429, 'quota_exceeded');
      await local.db.update(tickets).set({ status: 'resolved' }).where(eq(tickets.id, first.ticketId));
      expect((await local.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(r.token), payload: third.body })).statusCode).toBe(201);
    } finally {
      await local.close();
    }
  });
});

describe('GET /api/tickets/mine', () => {
  it("lists only the caller's tickets, newest first", async () => {
    const bob = await newRequester(fx.t, fx.desk);
    const b1 = await submitTicket(fx.t, fx.desk, bob);
    const b2 = await submitTicket(fx.t, fx.desk, bob);
    const res = await fx.app.inject({ method: 'GET', url: '/api/tickets/mine', headers: bearer(bob.token) });
    expect(res.statusCode).toBe(200);
    const list = res.json<{ tickets: { ticketId: string; messageCount: number; status: string }[] }>().tickets;
    expect(list.map((x) => x.ticketId)).toEqual([b2.ticketId, b1.ticketId]);
    expect(list.every((x) => x.messageCount === 1 && x.status === 'new')).toBe(true);
  });

  it('needs a requester session', async () => {
    expectError(await fx.app.inject({ method: 'GET', url: '/api/tickets/mine' }), 401, 'unauthorized');
  });
});
