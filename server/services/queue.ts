import { and, asc, desc, eq, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { TICKET_STATUSES, tickets } from '../../db/schema';
import { tables, type Db, type Schema } from './data';
import { badRequest, notFound } from '../errors';
import { countByStatus, type StatusCounts } from './queue-counts';
import { decodeCursor, decodePairCursor, encodeCursor, encodePairCursor } from './cursor';

export type TicketStatus = (typeof TICKET_STATUSES)[number];
export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
/** 'activity': last activity first (updatedAt, then seq); 'newest': newest ticket first (seq). */
export type QueueSort = 'activity' | 'newest';
/** Where the previous page stopped, in the page's own order (a decoded cursor). */
export type QueuePosition = { sort: 'newest'; seq: number } | { sort: 'activity'; updatedAt: number; seq: number };

export interface QueueFilters {
  status?: TicketStatus;
  priority?: TicketPriority;
  /** A staff id, or `null` for unassigned tickets ('mine' is resolved by the route). */
  assigneeId?: string | null;
  /** One blind label tag. */
  label?: string;
  /** The order of the page; 'activity' when absent. */
  sort?: QueueSort;
  /** Only tickets after this position in the page's order (the decoded cursor). */
  before?: QueuePosition;
  limit: number;
}

export interface TeamWrapOut {
  teamKeyVersion: number;
  sealed: string;
}

export interface StaffTicket {
  ticketId: string;
  status: TicketStatus;
  priority: TicketPriority;
  assigneeId: string | null;
  labels: string[];
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
  firstMessage: {
    messageId: string;
    seq: number;
    kind: 'message' | 'note';
    author: { type: 'requester' } | { type: 'staff'; staffId: string };
    envelope: { v: 1; nonce: string; ct: string; sig: string };
    createdAt: number;
  };
  teamWrap: TeamWrapOut;
  noteWrap: TeamWrapOut | null;
  requesterSignPk: string;
  /** The last thread message (notes aside) is the requester's: the team owes an answer. */
  awaitingStaff: boolean;
  /** awaitingStaff, and the team had answered before: the requester wrote back. */
  requesterReplied: boolean;
}

export interface QueuePage {
  tickets: StaffTicket[];
  nextCursor: string | null;
  counts: StatusCounts;
}

type TicketRow = Pick<typeof tickets.$inferSelect, 'seq' | 'id' | 'status' | 'priority' | 'assigneeId' | 'createdAt' | 'updatedAt' | 'closedAt' | 'requesterId'>;

const ticketColumns = ({ tickets }: Schema) => ({
  seq: tickets.seq,
  id: tickets.id,
  status: tickets.status,
  priority: tickets.priority,
  assigneeId: tickets.assigneeId,
  createdAt: tickets.createdAt,
  updatedAt: tickets.updatedAt,
  closedAt: tickets.closedAt,
  requesterId: tickets.requesterId,
});

/**
 * The page's conditions on tickets but status and label (a label view is driven from
 * ticket_labels: see the page functions below). test/server/queue/plan.test.ts pins the plans.
 */
function filterConditions({ tickets }: Schema, f: Omit<QueueFilters, 'limit' | 'before' | 'status' | 'label' | 'sort'>): SQL[] {
  const where: SQL[] = [];
  if (f.priority !== undefined) where.push(eq(tickets.priority, f.priority));
  if (f.assigneeId === null) where.push(isNull(tickets.assigneeId));
  else if (f.assigneeId !== undefined) where.push(eq(tickets.assigneeId, f.assigneeId));
  return where;
}

/**
 * One queue page, last activity first (or newest first). Paging is keyset on the page's own
 * order — (updatedAt, seq) below the cursor, or seq below it — so tickets created or touched
 * while someone pages move above the cursor: they can neither shift nor repeat older pages (a
 * touched ticket shows at the top on the next first page). `counts` applies every filter except
 * status (so a status tab bar can show all five numbers).
 */
export async function listQueue(db: Db, f: QueueFilters): Promise<QueuePage> {
  const sort = f.sort ?? 'activity';
  if (f.before !== undefined && f.before.sort !== sort) throw badRequest('validation_failed', 'querystring/cursor: the cursor belongs to another sort order');
  const schema = tables(db);
  const { tickets } = schema;
  const pageWhere = filterConditions(schema, f);
  if (f.status !== undefined) pageWhere.push(eq(tickets.status, f.status));
  const byActivity = sort === 'activity';
  const rows =
    f.label === undefined
      ? await pageFromTickets(db, f, pageWhere, byActivity)
      : byActivity
        ? await labelPageByActivity(db, f, f.label)
        : await labelPageNewest(db, f, f.label, pageWhere);
  const page = rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    tickets: await hydrate(db, page),
    nextCursor: rows.length > f.limit && last ? (byActivity ? encodePairCursor('a1:', last.updatedAt, last.seq) : encodeCursor('q1:', last.seq)) : null,
    counts: await countByStatus(db, f),
  };
}

// Each page reads one extra row: it tells whether another page exists without a second query.

/** The page without a label: a walk of the (filter, updated_at, seq) or (filter, seq) index. */
function pageFromTickets(db: Db, f: QueueFilters, where: SQL[], byActivity: boolean): Promise<TicketRow[]> {
  const schema = tables(db);
  const { tickets } = schema;
  const after =
    f.before === undefined
      ? undefined
      : f.before.sort === 'activity'
        ? // A row-value comparison: the index walk starts at the cursor.
          sql`(${tickets.updatedAt}, ${tickets.seq}) < (${f.before.updatedAt}, ${f.before.seq})`
        : lt(tickets.seq, f.before.seq);
  return db
    .select(ticketColumns(schema))
    .from(tickets)
    .where(and(...where, after))
    .orderBy(...(byActivity ? [desc(tickets.updatedAt), desc(tickets.seq)] : [desc(tickets.seq)]))
    .limit(f.limit + 1);
}

/**
 * A label view by last activity: a walk of ticket_labels' own (tag, [status,] updated_at,
 * ticket_seq) index over the copies the triggers keep (db/schema/labels.ts), so only the page's
 * entries are read, however many tickets carry the tag; the tickets are then read by seq.
 * CROSS JOIN keeps SQLite (and the intent) driving from ticket_labels.
 */
function labelPageByActivity(db: Db, f: QueueFilters, label: string): Promise<TicketRow[]> {
  const schema = tables(db);
  const { tickets, ticketLabels: l } = schema;
  const where: SQL[] = [eq(l.tag, label)];
  if (f.status !== undefined) where.push(eq(l.status, f.status));
  if (f.priority !== undefined) where.push(eq(l.priority, f.priority));
  if (f.assigneeId === null) where.push(isNull(l.assigneeId));
  else if (f.assigneeId !== undefined) where.push(eq(l.assigneeId, f.assigneeId));
  if (f.before?.sort === 'activity') where.push(sql`(${l.updatedAt}, ${l.ticketSeq}) < (${f.before.updatedAt}, ${f.before.seq})`);
  return db
    .select(ticketColumns(schema))
    .from(l)
    .crossJoin(tickets)
    .where(and(...where, eq(tickets.seq, l.ticketSeq)))
    .orderBy(desc(l.updatedAt), desc(l.ticketSeq))
    .limit(f.limit + 1);
}

/**
 * A label view newest first: a walk of (tag, ticket_seq) in seq order, each entry checked
 * against the ticket's (status, seq) index; it stops at the page's last row.
 */
function labelPageNewest(db: Db, f: QueueFilters, label: string, where: SQL[]): Promise<TicketRow[]> {
  const schema = tables(db);
  const { tickets, ticketLabels: l } = schema;
  const after = f.before?.sort === 'newest' ? lt(l.ticketSeq, f.before.seq) : undefined;
  return db
    .select(ticketColumns(schema))
    .from(l)
    .crossJoin(tickets)
    .where(and(eq(l.tag, label), eq(tickets.seq, l.ticketSeq), ...where, after))
    .orderBy(desc(l.ticketSeq))
    .limit(f.limit + 1);
}

/** A queue cursor from the client back to the position it stands for (400 if it is not ours). */
export function queueCursorPosition(cursor: string, sort: QueueSort = 'activity'): QueuePosition {
  if (sort === 'newest') return { sort, seq: decodeCursor('q1:', cursor) };
  const [updatedAt, seq] = decodePairCursor('a1:', cursor);
  return { sort, updatedAt, seq };
}

export async function getStaffTicket(db: Db, ticketId: string): Promise<StaffTicket> {
  const schema = tables(db);
  const [row] = await db.select(ticketColumns(schema)).from(schema.tickets).where(eq(schema.tickets.id, ticketId));
  if (!row) throw notFound('no such ticket');
  const [ticket] = await hydrate(db, [row]);
  if (!ticket) throw notFound('no such ticket');
  return ticket;
}

/**
 * Adds first message, wraps, tags, requester key and whose turn it is to a page of rows: five
 * batched indexed lookups per page, never one per ticket.
 */
async function hydrate(db: Db, rows: TicketRow[]): Promise<StaffTicket[]> {
  if (rows.length === 0) return [];
  const { messages, wraps, ticketLabels, requesters } = tables(db);
  const ids = rows.map((r) => r.id);
  const seqs = rows.map((r) => r.seq);

  const firstMessages = new Map(
    (
      await db
        .select()
        .from(messages)
        .where(and(inArray(messages.ticketId, ids), eq(messages.seq, 1)))
    ).map((m) => [m.ticketId, m]),
  );
  // Newest version first, so the first wrap seen per (ticket, kind) is the one to use: during
  // a rotation a ticket may carry v and v+1, and staff hold grants for both.
  const teamWraps = new Map<string, TeamWrapOut>();
  const noteWraps = new Map<string, TeamWrapOut>();
  for (const w of await db
    .select({ ticketId: wraps.ticketId, keyKind: wraps.keyKind, version: wraps.teamKeyVersion, sealed: wraps.sealed })
    .from(wraps)
    .where(and(inArray(wraps.ticketId, ids), eq(wraps.recipient, 'team')))
    .orderBy(desc(wraps.teamKeyVersion))) {
    const target = w.keyKind === 'ticket' ? teamWraps : noteWraps;
    if (w.version !== null && !target.has(w.ticketId)) target.set(w.ticketId, { teamKeyVersion: w.version, sealed: w.sealed });
  }
  const labels = new Map<number, string[]>();
  for (const l of await db
    .select({ ticketSeq: ticketLabels.ticketSeq, tag: ticketLabels.tag })
    .from(ticketLabels)
    .where(inArray(ticketLabels.ticketSeq, seqs))
    .orderBy(asc(ticketLabels.tag))) {
    const list = labels.get(l.ticketSeq) ?? [];
    list.push(l.tag);
    labels.set(l.ticketSeq, list);
  }
  const requesterIds = [...new Set(rows.map((r) => r.requesterId))];
  const signPks = new Map(
    (await db.select({ id: requesters.id, signPk: requesters.signPk }).from(requesters).where(inArray(requesters.id, requesterIds))).map((r) => [r.id, r.signPk]),
  );

  // Who spoke last, from metadata the server has anyway (author type and seq of each message):
  // exact for the whole team, and no per-member read receipts are kept (DECISIONS, issue 12).
  const turns = new Map(
    (
      await db
        .select({
          ticketId: messages.ticketId,
          lastRequester: sql<number | null>`max(case when ${messages.authorType} = 'requester' then ${messages.seq} end)`,
          lastStaff: sql<number | null>`max(case when ${messages.authorType} = 'staff' then ${messages.seq} end)`,
        })
        .from(messages)
        .where(and(inArray(messages.ticketId, ids), eq(messages.kind, 'message')))
        .groupBy(messages.ticketId)
    ).map((t) => [t.ticketId, t]),
  );

  return rows.map((r) => {
    const m = firstMessages.get(r.id);
    const turn = turns.get(r.id);
    const awaitingStaff = (turn?.lastRequester ?? 0) > (turn?.lastStaff ?? 0);
    const teamWrap = teamWraps.get(r.id);
    const signPk = signPks.get(r.requesterId);
    // Ticket creation writes ticket, first message and both wraps in one transaction, and a
    // retirement only drops v once v+1 exists, so a miss here is corruption, not user input.
    if (!m || !teamWrap || !signPk) throw new Error('ticket is missing its first message, team wrap or requester');
    return {
      ticketId: r.id,
      status: r.status,
      priority: r.priority,
      assigneeId: r.assigneeId,
      labels: labels.get(r.seq) ?? [],
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      closedAt: r.closedAt,
      firstMessage: {
        messageId: m.id,
        seq: m.seq,
        kind: m.kind,
        author: m.authorType === 'staff' && m.authorStaffId ? { type: 'staff', staffId: m.authorStaffId } : { type: 'requester' },
        envelope: { v: 1, nonce: m.nonce, ct: m.ct, sig: m.sig },
        createdAt: m.createdAt,
      },
      awaitingStaff,
      requesterReplied: awaitingStaff && (turn?.lastStaff ?? null) !== null,
      teamWrap,
      noteWrap: noteWraps.get(r.id) ?? null,
      requesterSignPk: signPk,
    };
  });
}
