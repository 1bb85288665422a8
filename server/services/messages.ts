// Thread messages and internal notes (SPEC §5): stored as signed ciphertext, ordered by a
// per-ticket sequence number assigned inside the write transaction.
import { and, asc, desc, eq, max, sql } from 'drizzle-orm';
import type { messages, tickets } from '../../db/schema';
import { asSignPublicKey, isCryptoError, verifyMessageSignature } from '../../protocol/index';
import { AppError, badRequest, conflict, forbidden } from '../errors';
import { assertCurrentTeamKey } from './keylog';
import { tables, transaction, type Db } from './data';
import { first, prepareAs, preparedPer } from './prepared';
import { assertMessageQuota, hourFloor } from './quotas';
import { admittedSignPk } from './staff-admission';
import { assertMessageIdFree, requesterSignPkOf, ticketForCaller, type EnvelopeFields } from './tickets';

export type MessageKind = (typeof messages.$inferSelect)['kind'];
export type TicketStatus = (typeof tickets.$inferSelect)['status'];

export type Author = { type: 'requester'; requesterId: string } | { type: 'staff'; staffId: string };
export type Audience = 'requester' | 'staff';

export interface ThreadMessage {
  messageId: string;
  seq: number;
  kind: MessageKind;
  author: { type: 'requester' } | { type: 'staff'; staffId: string };
  envelope: { v: 1 } & EnvelopeFields;
  createdAt: number;
}

/**
 * The thread in order. SECURITY: a requester gets kind 'message' only, and `seq` renumbered
 * densely over what they can see, so gaps in the numbering never betray that notes exist.
 */
export async function listThread(db: Db, ticketId: string, audience: Audience): Promise<ThreadMessage[]> {
  const { messages } = tables(db);
  const rows = await db
    .select()
    .from(messages)
    .where(audience === 'requester' ? and(eq(messages.ticketId, ticketId), eq(messages.kind, 'message')) : eq(messages.ticketId, ticketId))
    .orderBy(asc(messages.seq));
  return rows.map((m, i) => ({
    messageId: m.id,
    seq: audience === 'requester' ? i + 1 : m.seq,
    kind: m.kind,
    author: m.authorType === 'staff' && m.authorStaffId !== null ? { type: 'staff', staffId: m.authorStaffId } : { type: 'requester' },
    envelope: { v: 1, nonce: m.nonce, ct: m.ct, sig: m.sig },
    createdAt: m.createdAt,
  }));
}

export interface TeamWrapOut {
  teamKeyVersion: number;
  sealed: string;
}

/** The newest team wrap of K or N (during a rotation a ticket may still lack the new version). */
export async function newestTeamWrap(db: Db, ticketId: string, keyKind: 'ticket' | 'note'): Promise<TeamWrapOut | null> {
  const { wraps } = tables(db);
  const [row] = await db
    .select({ teamKeyVersion: wraps.teamKeyVersion, sealed: wraps.sealed })
    .from(wraps)
    .where(and(eq(wraps.ticketId, ticketId), eq(wraps.keyKind, keyKind), eq(wraps.recipient, 'team')))
    .orderBy(desc(wraps.teamKeyVersion))
    .limit(1);
  return row && row.teamKeyVersion !== null ? { teamKeyVersion: row.teamKeyVersion, sealed: row.sealed } : null;
}

export async function requesterWrapOf(db: Db, ticketId: string): Promise<{ sealed: string } | null> {
  const { wraps } = tables(db);
  const [row] = await db
    .select({ sealed: wraps.sealed })
    .from(wraps)
    .where(and(eq(wraps.ticketId, ticketId), eq(wraps.keyKind, 'ticket'), eq(wraps.recipient, 'requester')));
  return row ?? null;
}

export interface NewMessage {
  readonly ticketId: string;
  readonly author: Author;
  readonly messageId: string;
  readonly kind: MessageKind;
  readonly envelope: EnvelopeFields;
  readonly noteWrap?: { readonly teamKeyVersion: number; readonly sealed: string };
  readonly maxMessagesPerHour: number;
  readonly now: number;
  /** Runs inside the transaction (staff audit row), so the message and its audit entry commit together. */
  readonly onStored?: (tx: Db, stored: { seq: number }) => Promise<unknown>;
}

/**
 * Status moves caused by a reply (documented in API.md): a staff message answers a `new` ticket
 * (→ open); a requester message answers staff who were waiting on them, or reopens a resolved
 * ticket (→ open). Notes never move status.
 */
export function statusAfterReply(status: TicketStatus, author: Author['type']): TicketStatus {
  if (author === 'staff') return status === 'new' ? 'open' : status;
  return status === 'waiting_requester' || status === 'resolved' ? 'open' : status;
}

/**
 * SECURITY: re-checked here, below the routes' schemas: a requester author can only write kind
 * 'message', and a note needs a staff author. Without it, one route mix-up would let a requester
 * plant a "note" that staff read as written by the team's side of the thread.
 */
function assertAuthorMayWrite(author: Author, kind: MessageKind, noteWrap: NewMessage['noteWrap']): void {
  if (kind === 'note' && author.type !== 'staff') throw forbidden('only staff can write internal notes');
  if (kind === 'message' && noteWrap !== undefined) throw badRequest('validation_failed', 'body/noteWrap: belongs only on a note');
}

/**
 * SECURITY: refuse at the door what every client would show as forged (SPEC §5). The key is the
 * requester's own, or for staff the one the key log certifies (admittedSignPk).
 */
export async function assertSignedByAuthor(db: Db, author: Author, m: SignedMessage): Promise<void> {
  // The ticket first: a missing (or, for a requester, someone else's) ticket is 404 whatever the body says.
  const ticket = await ticketForCaller(db, m.ticketId, author.type === 'staff' ? 'staff' : { requesterId: author.requesterId });
  assertSigned(m, author.type === 'staff' ? await admittedSignPk(db, author.staffId) : await requesterSignPkOf(db, ticket.requesterId));
}

export interface SignedMessage {
  ticketId: string;
  messageId: string;
  kind: MessageKind;
  envelope: unknown;
}

/** SECURITY: the signature binds kind, ticket and message id (SPEC §5); a forged one is a 400 here. */
export function assertSigned(m: SignedMessage, signPk: string): void {
  try {
    verifyMessageSignature({ kind: m.kind, ticketId: m.ticketId, messageId: m.messageId, envelope: m.envelope, authorSignPk: asSignPublicKey(signPk) });
  } catch (err) {
    if (isCryptoError(err)) throw badRequest('bad_signature', "the message signature does not verify against its author's key");
    throw err;
  }
}

/** What a thread read returns, per audience (the route picks the audience by its guard). */
export async function requesterThread(db: Db, ticketId: string, requesterId: string) {
  const ticket = await ticketForCaller(db, ticketId, { requesterId });
  const requesterWrap = await requesterWrapOf(db, ticketId);
  return {
    ticket: { ticketId, status: ticket.status, requesterSignPk: await requesterSignPkOf(db, requesterId), ...(requesterWrap ? { requesterWrap } : {}) },
    messages: await listThread(db, ticketId, 'requester'),
  };
}

export async function staffThread(db: Db, ticketId: string) {
  const ticket = await ticketForCaller(db, ticketId, 'staff');
  return {
    ticket: {
      ticketId,
      status: ticket.status,
      requesterSignPk: await requesterSignPkOf(db, ticket.requesterId),
      teamWrap: await newestTeamWrap(db, ticketId, 'ticket'),
      noteWrap: await newestTeamWrap(db, ticketId, 'note'),
    },
    messages: await listThread(db, ticketId, 'staff'),
  };
}

const ph = (name: string) => sql.placeholder(name);
/** A reply's statements, prepared once (see prepared.ts): built against the root handle. */
const replyStatements = preparedPer((db) => {
  const { tickets, messages } = tables(db);
  return {
    ticket: prepareAs(
      db,
      'reply_ticket',
      db
        .select()
        .from(tickets)
        .where(eq(tickets.id, ph('ticketId'))),
    ),
    lastSeq: prepareAs(
      db,
      'reply_last_seq',
      db
        .select({ seq: max(messages.seq) })
        .from(messages)
        .where(eq(messages.ticketId, ph('ticketId'))),
    ),
    insertMessage: prepareAs(
      db,
      'reply_insert_message',
      db.insert(messages).values({
        id: ph('id'),
        ticketId: ph('ticketId'),
        seq: ph('seq'),
        kind: ph('kind'),
        authorType: ph('authorType'),
        authorStaffId: ph('authorStaffId'),
        nonce: ph('nonce'),
        ct: ph('ct'),
        sig: ph('sig'),
        createdAt: ph('createdAt'),
      }),
    ),
    setStatus: prepareAs(
      db,
      'reply_set_status',
      db
        .update(tickets)
        .set({ status: sql`${ph('status')}`, updatedAt: sql`${ph('updatedAt')}` })
        .where(eq(tickets.id, ph('ticketId'))),
    ),
  };
});

export function appendMessage(db: Db, m: NewMessage): Promise<{ messageId: string; seq: number; createdAt: number }> {
  return transaction(db, async (tx) => {
    const q = replyStatements(tx);
    const ticket = await first(q.ticket.execute({ ticketId: m.ticketId }));
    if (!ticket) throw new AppError('not_found', 'no such ticket');
    assertAuthorMayWrite(m.author, m.kind, m.noteWrap);
    if (m.author.type === 'requester') {
      if (ticket.status === 'closed') throw conflict('this request is closed; open a new one', 'ticket_closed');
      await assertMessageQuota(tx, m.author.requesterId, m.maxMessagesPerHour, m.now);
    }
    await assertMessageIdFree(tx, m.messageId);
    if (m.kind === 'note') await storeNoteWrapIfFirst(tx, m);
    const seq = ((await first(q.lastSeq.execute({ ticketId: m.ticketId })))?.seq ?? 0) + 1;
    // Requester-side times are hour-rounded (SPEC §5); staff-side times are exact.
    const createdAt = m.author.type === 'requester' ? hourFloor(m.now) : m.now;
    await q.insertMessage.execute({
      id: m.messageId,
      ticketId: m.ticketId,
      seq,
      kind: m.kind,
      authorType: m.author.type,
      authorStaffId: m.author.type === 'staff' ? m.author.staffId : null,
      ...m.envelope,
      createdAt,
    });
    // SECURITY: notes leave status and updatedAt alone; the requester sees both in /mine, and a
    // change there would reveal that staff wrote something the requester cannot see.
    if (m.kind === 'message') {
      await q.setStatus.execute({ ticketId: m.ticketId, status: statusAfterReply(ticket.status, m.author.type), updatedAt: Math.max(ticket.updatedAt, createdAt) });
    }
    await m.onStored?.(tx, { seq });
    return { messageId: m.messageId, seq, createdAt };
  });
}

/** The first note of a ticket must bring N sealed to the current team key; later notes must not. */
async function storeNoteWrapIfFirst(tx: Db, m: NewMessage): Promise<void> {
  const { wraps } = tables(tx);
  const [existing] = await tx
    .select({ id: wraps.id })
    .from(wraps)
    .where(and(eq(wraps.ticketId, m.ticketId), eq(wraps.keyKind, 'note')))
    .limit(1);
  if (existing) {
    if (m.noteWrap) throw conflict('this ticket already has a note key; seal the note with it and omit noteWrap');
    return;
  }
  if (!m.noteWrap) throw new AppError('note_key_missing', 'the first note of a ticket must carry noteWrap (N sealed to the current team key)');
  await assertCurrentTeamKey(tx, m.noteWrap.teamKeyVersion);
  await tx.insert(wraps).values({ ticketId: m.ticketId, keyKind: 'note', recipient: 'team', teamKeyVersion: m.noteWrap.teamKeyVersion, sealed: m.noteWrap.sealed });
}
