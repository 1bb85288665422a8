// The signature verification pool (server/verify/): the submit route's signature check runs on a
// worker thread; it must refuse exactly what assertSigned refuses, bound its queue, and drain on close.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTicket, generateStaffKeys, generateTeamKey, ready, ticketSubmission, toB64 } from '../../../protocol/index';
import { onPostgres, testTables } from '../../helpers/app';
import { AppError } from '../../../server/errors';
import { assertSigned, type SignedMessage } from '../../../server/services/messages';
import { createVerifyPool } from '../../../server/verify/pool';
import type { TestApp } from '../../helpers/app';
import { bearer, seedDesk, type Desk } from '../../helpers/desk';
import { buildJourneyApp, expectError, newRequester, ticketBody, type JourneyRequester } from '../../helpers/requester';

const { tickets } = testTables;

/** A first message signed by `author`, as the submit route checks it. */
function signedFirstMessage(author = generateStaffKeys()): { message: SignedMessage; signPk: string } {
  const team = generateTeamKey();
  const t = createTicket({
    payload: { v: 1, subject: 's', body: 'b', category: 'other', lang: 'en' },
    requesterSignSk: author.sign.secretKey,
    requesterBoxPk: author.box.publicKey,
    team: { version: 1, publicKey: team.publicKey },
  });
  const body = ticketSubmission(t);
  return { message: { kind: 'message', ticketId: body.ticketId, messageId: body.messageId, envelope: body.message }, signPk: toB64(author.sign.publicKey) };
}

/** What assertSigned does on the event loop, as `{code, message}` (or 'ok'). */
function onLoop(m: SignedMessage, signPk: string): 'ok' | { code: string; message: string } {
  try {
    assertSigned(m, signPk);
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, message: err.message };
    throw err;
  }
}

async function inPool(pool: ReturnType<typeof createVerifyPool>, m: SignedMessage, signPk: string): Promise<'ok' | { code: string; message: string }> {
  try {
    await pool.assertSigned(m, signPk);
    return 'ok';
  } catch (err) {
    if (err instanceof AppError) return { code: err.code, message: err.message };
    throw err;
  }
}

describe('verify pool', () => {
  beforeAll(ready);

  it('accepts and refuses exactly what assertSigned accepts and refuses, with the same error', async () => {
    const pool = createVerifyPool({ threads: 2 });
    try {
      const good = signedFirstMessage();
      const other = generateStaffKeys();
      const envelope = good.message.envelope as { nonce: string; ct: string; sig: string };
      const flipped = `${envelope.ct[0] === 'A' ? 'B' : 'A'}${envelope.ct.slice(1)}`;
      const cases: [SignedMessage, string][] = [
        [good.message, good.signPk],
        [good.message, toB64(other.sign.publicKey)],
        [{ ...good.message, envelope: { ...envelope, ct: flipped } }, good.signPk],
        [{ ...good.message, messageId: signedFirstMessage().message.messageId }, good.signPk],
        [{ ...good.message, kind: 'note' }, good.signPk],
      ];
      const expected = cases.map(([m, pk]) => onLoop(m, pk));
      expect(expected[0]).toBe('ok');
      expect(expected.slice(1).every((e) => e !== 'ok' && e.code === 'bad_signature')).toBe(true);
      expect(await Promise.all(cases.map(([m, pk]) => inPool(pool, m, pk)))).toEqual(expected);
    } finally {
      await pool.close();
    }
  });

  it('refuses with 503 overloaded once its queue is full, and serves again when it drains', async () => {
    const pool = createVerifyPool({ threads: 1, maxQueued: 3 });
    try {
      const jobs = Array.from({ length: 5 }, () => signedFirstMessage());
      const outcomes = await Promise.all(jobs.map((j) => inPool(pool, j.message, j.signPk)));
      expect(outcomes.slice(0, 3)).toEqual(['ok', 'ok', 'ok']);
      expect(outcomes.slice(3)).toEqual([
        { code: 'overloaded', message: 'the desk is busy; try again shortly' },
        { code: 'overloaded', message: 'the desk is busy; try again shortly' },
      ]);
      expect(await inPool(pool, jobs[4]!.message, jobs[4]!.signPk)).toBe('ok');
    } finally {
      await pool.close();
    }
  });

  it('on close, finishes the verifications under way and refuses new ones', async () => {
    const pool = createVerifyPool({ threads: 1 });
    const jobs = Array.from({ length: 4 }, () => signedFirstMessage());
    const under = jobs.map((j) => inPool(pool, j.message, j.signPk));
    const closed = pool.close();
    expect(await inPool(pool, jobs[0]!.message, jobs[0]!.signPk)).toMatchObject({ code: 'overloaded' });
    expect(await Promise.all(under)).toEqual(['ok', 'ok', 'ok', 'ok']);
    await closed;
  });
});

// On SQLite the submit route's signature check runs in the writer thread (services/writer-thread.ts),
// with the same assertSigned; without it (PostgreSQL) on the pool.
describe('POST /api/tickets: the signature checked off the event loop', () => {
  let t: TestApp;
  let desk: Desk;
  let alice: JourneyRequester;
  beforeAll(async () => {
    t = await buildJourneyApp();
    desk = await seedDesk(t.app);
    alice = await newRequester(t, desk);
  });
  afterAll(async () => t.close());

  it("refuses a first message signed by someone else's key: 400 bad_signature, nothing stored", async () => {
    const mallory = generateStaffKeys();
    const { body } = await ticketBody(t, desk, { keys: mallory });
    const res = await t.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(alice.token), payload: body });
    expect(expectError(res, 400, 'bad_signature').message).toBe("the message signature does not verify against its author's key");
    expect(await t.db.select().from(tickets).where(eq(tickets.id, body.ticketId))).toEqual([]);
  });

  // The writer thread is SQLite's; on PostgreSQL the next test's path is the one in use.
  it.skipIf(onPostgres)('answers 503 overloaded with retry-after when the writer thread is full, nothing stored', async () => {
    const full = await buildJourneyApp({ writerThread: { maxQueued: 0 } });
    try {
      const d = await seedDesk(full.app);
      const bob = await newRequester(full, d);
      const { body } = await ticketBody(full, d, bob);
      const res = await full.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(bob.token), payload: body });
      expectError(res, 503, 'overloaded');
      expect(res.headers['retry-after']).toBeDefined();
      expect(await full.db.select().from(tickets).where(eq(tickets.id, body.ticketId))).toEqual([]);
    } finally {
      await full.close();
    }
  });

  it('without the writer thread (as on PostgreSQL) checks the signature on the pool: 503 when it is full, 400 for a forgery', async () => {
    const inline = await buildJourneyApp({ writerThread: false, verifyPool: { threads: 1, maxQueued: 0 } });
    try {
      const d = await seedDesk(inline.app);
      const bob = await newRequester(inline, d);
      const { body } = await ticketBody(inline, d, bob);
      const res = await inline.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(bob.token), payload: body });
      expectError(res, 503, 'overloaded');
      expect(await inline.db.select().from(tickets).where(eq(tickets.id, body.ticketId))).toEqual([]);
    } finally {
      await inline.close();
    }
    const pooled = await buildJourneyApp({ writerThread: false });
    try {
      const d = await seedDesk(pooled.app);
      const bob = await newRequester(pooled, d);
      const forged = await ticketBody(pooled, d, { keys: generateStaffKeys() });
      const refused = await pooled.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(bob.token), payload: forged.body });
      expect(expectError(refused, 400, 'bad_signature').message).toBe("the message signature does not verify against its author's key");
      const { body } = await ticketBody(pooled, d, bob);
      const res = await pooled.app.inject({ method: 'POST', url: '/api/tickets', headers: bearer(bob.token), payload: body });
      expect(res.statusCode, res.body).toBe(201);
    } finally {
      await pooled.close();
    }
  });
});
