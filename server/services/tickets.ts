// Ticket creation and the requester's own ticket list (SPEC §5). Everything stored here is
// ciphertext, sealed keys, or coarse metadata; the server never holds K.
import { and, count, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { messages, requesters, tickets, wraps } from '../../db/schema';
import { conflict, notFound } from '../errors';
import { assertCurrentTeamKey } from './keylog';
import { preparedPer } from './prepared';
import { assertFirstTicketPrepaid, spendPow, type VerifiedPow } from './pow';
import { assertOpenTicketQuota, hourFloor } from './quotas';

type Reader = Pick<Db, 'select'>;

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
const statements = preparedPer((db: Reader) => ({
  ticketExists: db.select({ id: tickets.id }).from(tickets).where(eq(tickets.id, id)).prepare(),
  messageExists: db.select({ id: messages.id }).from(messages).where(eq(messages.id, id)).prepare(),
  requesterSignPk: db.select({ signPk: requesters.signPk }).from(requesters).where(eq(requesters.id, id)).prepare(),
  owner: db.select({ requesterId: tickets.requesterId }).from(tickets).where(eq(tickets.id, id)).prepare(),
}));

const ph = (name: string) => sql.placeholder(name);
/** The submission's inserts, prepared once: unprepared, drizzle rebuilds and SQLite recompiles each. */
const inserts = preparedPer((db: Pick<Db, 'insert'>) => ({
  ticket: db
    .insert(tickets)
    .values({ id: ph('id'), requesterId: ph('requesterId'), status: 'new', createdAt: ph('at'), updatedAt: ph('at') })
    .prepare(),
  teamWrap: db
    .insert(wraps)
    .values({ ticketId: ph('ticketId'), keyKind: 'ticket', recipient: 'team', teamKeyVersion: ph('teamKeyVersion'), sealed: ph('sealed') })
    .prepare(),
  requesterWrap: db
    .insert(wraps)
    .values({ ticketId: ph('ticketId'), keyKind: 'ticket', recipient: 'requester', teamKeyVersion: null, sealed: ph('sealed') })
    .prepare(),
  firstMessage: db
    .insert(messages)
    .values({
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
    })
    .prepare(),
}));

export function assertMessageIdFree(db: Reader, messageId: string): void {
  if (statements(db).messageExists.get({ id: messageId })) {
    throw conflict('a message with this id already exists; pick a fresh random id');
  }
}

/** Ticket, both wraps, first message and the PoW spend: all or nothing. */
export function createTicket(db: Db, t: NewTicket): { ticketId: string; createdAt: number } {
  // Requester-side times are hour-rounded (SPEC §5) so they cannot be matched to network logs.
  const at = hourFloor(t.now);
  // The root handle inside the transaction: same connection, and its prepared statements are reused.
  return db.transaction(
    () => {
      if (t.pow) spendPow(db, t.pow);
      else assertFirstTicketPrepaid(db, t.requesterId);
      assertOpenTicketQuota(db, t.requesterId, t.maxOpenTickets);
      assertCurrentTeamKey(db, t.teamWrap.teamKeyVersion);
      if (statements(db).ticketExists.get({ id: t.ticketId })) {
        throw conflict('a ticket with this id already exists; pick a fresh random id');
      }
      assertMessageIdFree(db, t.messageId);
      const insert = inserts(db);
      insert.ticket.run({ id: t.ticketId, requesterId: t.requesterId, at });
      insert.teamWrap.run({ ticketId: t.ticketId, teamKeyVersion: t.teamWrap.teamKeyVersion, sealed: t.teamWrap.sealed });
      insert.requesterWrap.run({ ticketId: t.ticketId, sealed: t.requesterWrap.sealed });
      insert.firstMessage.run({ id: t.messageId, ticketId: t.ticketId, ...t.message, at });
      return { ticketId: t.ticketId, createdAt: at };
    },
    { behavior: 'immediate' },
  );
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
export function listRequesterTickets(db: Reader, requesterId: string): RequesterTicketRow[] {
  const counts = db
    .select({ ticketId: messages.ticketId, n: count() })
    .from(messages)
    .innerJoin(tickets, eq(tickets.id, messages.ticketId))
    .where(and(eq(tickets.requesterId, requesterId), eq(messages.kind, 'message')))
    .groupBy(messages.ticketId)
    .all();
  const byTicket = new Map(counts.map((c) => [c.ticketId, c.n]));
  return db
    .select({ ticketId: tickets.id, status: tickets.status, createdAt: tickets.createdAt, updatedAt: tickets.updatedAt, sealed: wraps.sealed })
    .from(tickets)
    .innerJoin(wraps, and(eq(wraps.ticketId, tickets.id), eq(wraps.recipient, 'requester'), eq(wraps.keyKind, 'ticket')))
    .where(eq(tickets.requesterId, requesterId))
    .orderBy(desc(tickets.seq))
    .all()
    .map((r) => ({
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
export function ticketForCaller(db: Reader, ticketId: string, caller: { requesterId: string } | 'staff'): TicketRow {
  const row = db.select().from(tickets).where(eq(tickets.id, ticketId)).get();
  // Staff see every ticket: tickets are sealed to the team, not to people.
  if (!row || (caller !== 'staff' && row.requesterId !== caller.requesterId)) throw notFound('no such ticket');
  return row;
}

/** The requester's signing key, or undefined for an id with no account (a stale session). */
export function requesterSignPk(db: Reader, requesterId: string): string | undefined {
  return statements(db).requesterSignPk.get({ id: requesterId })?.signPk;
}

export function requesterSignPkOf(db: Reader, requesterId: string): string {
  const signPk = requesterSignPk(db, requesterId);
  if (signPk === undefined) throw new Error('ticket without requester row');
  return signPk;
}

/**
 * True only when `ticketId` names a ticket this requester owns. SECURITY: the participant guard
 * answers someone else's ticket exactly like a missing one (404), so ids cannot be probed.
 */
export function isTicketOwner(db: Reader, ticketId: string, requesterId: string): boolean {
  return statements(db).owner.get({ id: ticketId })?.requesterId === requesterId;
}

export function ticketExists(db: Reader, ticketId: string): boolean {
  return statements(db).ticketExists.get({ id: ticketId }) !== undefined;
}
