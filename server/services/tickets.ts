// Ticket creation and the requester's own ticket list (SPEC §5). Everything stored here is
// ciphertext, sealed keys, or coarse metadata; the server never holds K.
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { tickets } from '../../db/schema';
import { conflict, notFound, unauthorized } from '../errors';
import { dialectOf, rawExec, tables, transaction, type Db } from './data';
import { assertCurrentTeamKey } from './keylog';
import type { SignedMessage } from './messages';
import { first, prepareAs, preparedPer } from './prepared';
import { assertFirstTicketPrepaid, spendPow, type VerifiedPow } from './pow';
import { assertOpenTicketQuota, hourFloor } from './quotas';

export interface EnvelopeFields {
  readonly nonce: string;
  readonly ct: string;
  readonly sig: string;
}

export interface NewTicket {
  readonly requesterId: string;
  readonly ticketId: string;
  readonly messageId: string;
  readonly message: EnvelopeFields;
  readonly teamWrap: { readonly teamKeyVersion: number; readonly sealed: string };
  readonly requesterWrap: { readonly sealed: string };
  /** null: the requester's first ticket, paid for by their registration (services/pow.ts). */
  readonly pow: VerifiedPow | null;
  readonly maxOpenTickets: number;
  readonly now: number;
}

const id = sql.placeholder('id');

/** The submission path's statements, prepared once (see prepared.ts). */
const statements = preparedPer((db) => {
  const { tickets, messages, requesters } = tables(db);
  return {
    ticketExists: prepareAs(db, 'ticket_exists', db.select({ id: tickets.id }).from(tickets).where(eq(tickets.id, id))),
    messageExists: prepareAs(db, 'message_exists', db.select({ id: messages.id }).from(messages).where(eq(messages.id, id))),
    requesterSignPk: prepareAs(db, 'requester_sign_pk', db.select({ signPk: requesters.signPk }).from(requesters).where(eq(requesters.id, id))),
    owner: prepareAs(db, 'ticket_owner', db.select({ requesterId: tickets.requesterId }).from(tickets).where(eq(tickets.id, id))),
  };
});

const ph = (name: string) => sql.placeholder(name);
/** The submission's inserts, prepared once: unprepared, drizzle rebuilds and SQLite recompiles each. */
const inserts = preparedPer((db) => {
  const { tickets, wraps, messages } = tables(db);
  return {
    ticket: prepareAs(db, 'insert_ticket', db.insert(tickets).values({ id: ph('id'), requesterId: ph('requesterId'), status: 'new', createdAt: ph('at'), updatedAt: ph('at') })),
    teamWrap: prepareAs(
      db,
      'insert_team_wrap',
      db.insert(wraps).values({ ticketId: ph('ticketId'), keyKind: 'ticket', recipient: 'team', teamKeyVersion: ph('teamKeyVersion'), sealed: ph('sealed') }),
    ),
    requesterWrap: prepareAs(
      db,
      'insert_requester_wrap',
      db.insert(wraps).values({ ticketId: ph('ticketId'), keyKind: 'ticket', recipient: 'requester', teamKeyVersion: null, sealed: ph('sealed') }),
    ),
    firstMessage: prepareAs(
      db,
      'insert_first_message',
      db.insert(messages).values({
        id: ph('id'),
        ticketId: ph('ticketId'),
        seq: 1,
        kind: 'message',
        authorType: 'requester',
        authorStaffId: null,
        nonce: ph('nonce'),
        ct: ph('ct'),
        sig: ph('sig'),
        createdAt: ph('at'),
      }),
    ),
  };
});

export async function assertMessageIdFree(db: Db, messageId: string): Promise<void> {
  if (await first(statements(db).messageExists.execute({ id: messageId }))) {
    throw conflict('a message with this id already exists; pick a fresh random id');
  }
}

/**
 * PostgreSQL: every new ticket adds one to the same ticket_counts row (status new, no assignee;
 * the trigger in migrations-pg 0002), and under SERIALIZABLE two transactions that update one row
 * cannot both commit: with several submissions in flight — on one node or on several — all but
 * one abort, retry and collide again, until some run out of retries. So submissions take turns
 * instead: a table lock that only ticket writers contend for, taken as the transaction's first
 * statement, before PostgreSQL fixes its snapshot (LOCK is not a query), so the turn's snapshot
 * already holds the previous turn's count. Queue reads take no lock and never wait. SQLite needs
 * nothing: its one writer serialises every transaction already.
 */
async function queueBehindOtherSubmissions(tx: Db): Promise<void> {
  if (dialectOf(tx) === 'pg') await rawExec(tx, sql`lock table ticket_counts in share row exclusive mode`);
}

/** Ticket, both wraps, first message and the PoW spend: all or nothing. */
export function createTicket(db: Db, t: NewTicket): Promise<{ ticketId: string; createdAt: number }> {
  // Requester-side times are hour-rounded (SPEC §5) so they cannot be matched to network logs.
  const at = hourFloor(t.now);
  return transaction(db, async (tx) => {
    await queueBehindOtherSubmissions(tx);
    if (t.pow) await spendPow(tx, t.pow);
    else await assertFirstTicketPrepaid(tx, t.requesterId);
    await assertOpenTicketQuota(tx, t.requesterId, t.maxOpenTickets);
    await assertCurrentTeamKey(tx, t.teamWrap.teamKeyVersion);
    if (await first(statements(tx).ticketExists.execute({ id: t.ticketId }))) {
      throw conflict('a ticket with this id already exists; pick a fresh random id');
    }
    await assertMessageIdFree(tx, t.messageId);
    const insert = inserts(tx);
    await insert.ticket.execute({ id: t.ticketId, requesterId: t.requesterId, at });
    await insert.teamWrap.execute({ ticketId: t.ticketId, teamKeyVersion: t.teamWrap.teamKeyVersion, sealed: t.teamWrap.sealed });
    await insert.requesterWrap.execute({ ticketId: t.ticketId, sealed: t.requesterWrap.sealed });
    await insert.firstMessage.execute({ id: t.messageId, ticketId: t.ticketId, ...t.message, at });
    return { ticketId: t.ticketId, createdAt: at };
  });
}

/** Checks a message signature; rejects with 400 `bad_signature` (assertSigned, or the verify pool). */
export type VerifySignature = (m: SignedMessage, signPk: string) => Promise<void>;

/**
 * The whole submission after its PoW was checked: the requester's signing key, the first
 * message's signature, then createTicket. One unit, so the writer thread (writer-procedures.ts)
 * gets it in one message. SECURITY: the signature is checked against the key stored for the
 * session's requester before anything is written, and outside the transaction.
 */
export async function submitTicket(db: Db, t: SubmittedTicket, verifySignature: VerifySignature): Promise<{ ticketId: string; createdAt: number }> {
  const signPk = await requesterSignPk(db, t.requesterId);
  if (!signPk) throw unauthorized('session is not valid');
  await verifySignature({ kind: 'message', ticketId: t.ticketId, messageId: t.messageId, envelope: t.envelope }, signPk);
  return createTicket(db, t);
}

/** A submission as the route received it: the stored fields plus the first message's envelope as signed. */
export interface SubmittedTicket extends NewTicket {
  /** The whole envelope (with its version), which the signature covers; `message` is what is stored. */
  readonly envelope: SignedMessage['envelope'];
}

export interface RequesterTicketRow {
  ticketId: string;
  status: (typeof tickets.$inferSelect)['status'];
  createdAt: number;
  updatedAt: number;
  requesterWrap: { sealed: string };
  messageCount: number;
}

/** The requester's tickets, newest first. SECURITY: messageCount counts thread messages only, never notes. */
export async function listRequesterTickets(db: Db, requesterId: string): Promise<RequesterTicketRow[]> {
  const { messages, tickets, wraps } = tables(db);
  const counts = await db
    .select({ ticketId: messages.ticketId, n: count() })
    .from(messages)
    .innerJoin(tickets, eq(tickets.id, messages.ticketId))
    .where(and(eq(tickets.requesterId, requesterId), eq(messages.kind, 'message')))
    .groupBy(messages.ticketId);
  const byTicket = new Map(counts.map((c) => [c.ticketId, c.n]));
  const rows = await db
    .select({ ticketId: tickets.id, status: tickets.status, createdAt: tickets.createdAt, updatedAt: tickets.updatedAt, sealed: wraps.sealed })
    .from(tickets)
    .innerJoin(wraps, and(eq(wraps.ticketId, tickets.id), eq(wraps.recipient, 'requester'), eq(wraps.keyKind, 'ticket')))
    .where(eq(tickets.requesterId, requesterId))
    .orderBy(desc(tickets.seq));
  return rows.map((r) => ({
    ticketId: r.ticketId,
    status: r.status,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    requesterWrap: { sealed: r.sealed },
    messageCount: byTicket.get(r.ticketId) ?? 0,
  }));
}

export type TicketRow = typeof tickets.$inferSelect;

/**
 * The ticket as this caller may see it. SECURITY: a requester asking for someone else's ticket
 * gets exactly the same 404 as for an id that does not exist, so ids cannot be probed.
 */
export async function ticketForCaller(db: Db, ticketId: string, caller: { requesterId: string } | 'staff'): Promise<TicketRow> {
  const { tickets } = tables(db);
  const [row] = await db.select().from(tickets).where(eq(tickets.id, ticketId));
  // Staff see every ticket: tickets are sealed to the team, not to people.
  if (!row || (caller !== 'staff' && row.requesterId !== caller.requesterId)) throw notFound('no such ticket');
  return row;
}

/** The requester's signing key, or undefined for an id with no account (a stale session). */
export async function requesterSignPk(db: Db, requesterId: string): Promise<string | undefined> {
  return (await first(statements(db).requesterSignPk.execute({ id: requesterId })))?.signPk;
}

export async function requesterSignPkOf(db: Db, requesterId: string): Promise<string> {
  const signPk = await requesterSignPk(db, requesterId);
  if (signPk === undefined) throw new Error('ticket without requester row');
  return signPk;
}

/**
 * True only when `ticketId` names a ticket this requester owns. SECURITY: the participant guard
 * answers someone else's ticket exactly like a missing one (404), so ids cannot be probed.
 */
export async function isTicketOwner(db: Db, ticketId: string, requesterId: string): Promise<boolean> {
  return (await first(statements(db).owner.execute({ id: ticketId })))?.requesterId === requesterId;
}

export async function ticketExists(db: Db, ticketId: string): Promise<boolean> {
  return (await first(statements(db).ticketExists.execute({ id: ticketId }))) !== undefined;
}
