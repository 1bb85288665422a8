// The SQLite writer thread (server/services/writer-thread.ts): the submission's write runs on its
// own connection in a worker. It must refuse exactly what the same procedure refuses on the loop,
// answer only once committed (the row is then visible on the loop's connection), share the
// database with the loop's own writes, bound its queue, and drain on close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { requesters, tickets } from '../../../db/schema';
import { AppError } from '../../../server/errors';
import { transaction } from '../../../server/services/data';
import { assertSigned } from '../../../server/services/messages';
import { createTicket, submitTicket, type NewTicket, type SubmittedTicket } from '../../../server/services/tickets';
import { createWriterThread } from '../../../server/services/writer-thread';
import { newId } from '../../../server/plugins/app/tokens';
import type { TestApp } from '../../helpers/app';
import { seedDesk, type Desk } from '../../helpers/desk';
import { buildJourneyApp, newRequester, ticketBody, type JourneyRequester } from '../../helpers/requester';

/** 'ok', a domain refusal's code and message, or a storage error's SQLite code (what the error handler maps). */
async function outcome(p: Promise<unknown>): Promise<'ok' | { code: string; message?: string }> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, message: err.message };
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return { code };
    throw err;
  }
}

describe('SQLite writer thread', () => {
  let t: TestApp;
  let desk: Desk;
  let alice: JourneyRequester;
  beforeAll(async () => {
    t = await buildJourneyApp();
    desk = await seedDesk(t.app);
    alice = await newRequester(t, desk);
  });
  afterAll(async () => t.close());

  /** A createTicket argument for alice, as the submit route builds it after checkPow. */
  async function newTicket(overrides: Partial<NewTicket> = {}): Promise<NewTicket> {
    const { body } = await ticketBody(t, desk, alice);
    return {
      requesterId: alice.requesterId,
      ticketId: body.ticketId,
      messageId: body.messageId,
      message: body.message,
      teamWrap: body.teamWrap,
      requesterWrap: body.requesterWrap,
      pow: { id: newId(), exp: Math.floor(Date.now() / 1000) + 600 },
      maxOpenTickets: 100,
      now: Math.floor(Date.now() / 1000),
      ...overrides,
    };
  }

  it('refuses in the thread exactly what the same procedure refuses on the loop, with the same error', async () => {
    const cases = [
      await newTicket({ teamWrap: { teamKeyVersion: 99, sealed: 'AAAA' } }),
      await newTicket({ requesterId: newId() }), // no such requester: the foreign key refuses it
    ];
    for (const c of cases) {
      const onLoop = await outcome(createTicket(t.db, c));
      const inThread = await outcome(t.app.write('createTicket', c));
      expect(inThread).toEqual(onLoop);
      expect(t.db.select().from(tickets).where(eq(tickets.id, c.ticketId)).all()).toEqual([]);
    }
  });

  it('answers once committed: the ticket is then visible on the loop connection, and a replay is refused', async () => {
    const ticket = await newTicket();
    expect(await t.app.write('createTicket', ticket)).toEqual({ ticketId: ticket.ticketId, createdAt: ticket.now - (ticket.now % 3600) });
    expect(t.db.select({ id: tickets.id }).from(tickets).where(eq(tickets.id, ticket.ticketId)).all()).toEqual([{ id: ticket.ticketId }]);
    expect(await outcome(t.app.write('createTicket', { ...ticket, messageId: newId(), pow: { id: newId(), exp: ticket.now + 600 } }))).toMatchObject({ code: 'conflict' });
    expect(await outcome(t.app.write('createTicket', { ...(await newTicket()), pow: ticket.pow }))).toMatchObject({ code: 'pow_replayed' });
  });

  it("shares the database with the loop's own transactions: both commit, neither is lost", async () => {
    const inThread = await Promise.all([newTicket(), newTicket(), newTicket()]);
    const onLoop = [newId(), newId(), newId()];
    await Promise.all([
      ...inThread.map((tk) => t.app.write('createTicket', tk)),
      ...onLoop.map((id) => transaction(t.db, (tx) => tx.insert(requesters).values({ id, boxPk: `b-${id}`, signPk: `s-${id}`, createdAt: 0 }))),
    ]);
    for (const tk of inThread) expect(t.db.select().from(tickets).where(eq(tickets.id, tk.ticketId)).all()).toHaveLength(1);
    for (const id of onLoop) expect(t.db.select().from(requesters).where(eq(requesters.id, id)).all()).toHaveLength(1);
  });

  /** A submitTicket argument (the route's whole write: signing key, signature, createTicket). */
  async function submission(overrides: Partial<SubmittedTicket> = {}): Promise<SubmittedTicket> {
    const { body } = await ticketBody(t, desk, alice);
    return {
      ...(await newTicket()),
      ticketId: body.ticketId,
      messageId: body.messageId,
      message: body.message,
      envelope: body.message,
      teamWrap: body.teamWrap,
      requesterWrap: body.requesterWrap,
      ...overrides,
    };
  }

  it('answers each of many writes posted in one turn with its own outcome, signatures checked on its pool as on the loop', async () => {
    const good = await Promise.all(Array.from({ length: 12 }, () => submission()));
    const forged = await submission();
    // Signed over another ticket id: the signature no longer matches what it claims to cover.
    const tampered = { ...forged, ticketId: newId() };
    const replayed = { ...(await submission()), pow: good[1]!.pow };
    const batch = [...good, tampered, replayed];
    // Posted in one synchronous run: they cross to the thread in one message.
    const inThread = await Promise.all(batch.map((s) => outcome(t.app.write('submitTicket', s))));
    expect(inThread.slice(0, 12)).toEqual(Array(12).fill('ok'));
    // The forgery gets exactly the refusal the loop's own check gives.
    const onLoop = await outcome(submitTicket(t.db, { ...tampered, ticketId: newId() }, async (m, pk) => assertSigned(m, pk)));
    expect(onLoop).toMatchObject({ code: 'bad_signature' });
    expect(inThread[12]).toEqual(onLoop);
    expect(inThread[13]).toMatchObject({ code: 'pow_replayed' });
    for (const s of good) expect(t.db.select().from(tickets).where(eq(tickets.id, s.ticketId)).all()).toHaveLength(1);
    for (const s of [tampered, replayed]) expect(t.db.select().from(tickets).where(eq(tickets.id, s.ticketId)).all()).toEqual([]);
  });

  it('refuses with 503 overloaded past its queue bound, finishes what it holds on close, then refuses', async () => {
    const writer = createWriterThread(t.sqlite.name, { maxQueued: 2 });
    const jobs = [await newTicket(), await newTicket(), await newTicket()];
    const under = jobs.map((j) => outcome(writer.run('createTicket', j)));
    const closed = writer.close();
    expect(await outcome(writer.run('createTicket', await newTicket()))).toMatchObject({ code: 'overloaded' });
    expect(await Promise.all(under)).toEqual(['ok', 'ok', { code: 'overloaded', message: 'the desk is busy; try again shortly' }]);
    await closed;
    for (const j of jobs.slice(0, 2)) expect(t.db.select().from(tickets).where(eq(tickets.id, j.ticketId)).all()).toHaveLength(1);
  });
});
