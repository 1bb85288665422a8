import { and, desc, eq, isNull, lt, sql, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { TICKET_STATUSES } from '../../db/schema';
import { dialectOf, tables, type Db, type Schema } from './data';
import { prepareAs, preparedPer } from './prepared';
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

const P = sql.placeholder;

/**
 * Which filters a page has. Each shape is one statement — the page and everything its summaries
 * need — built by drizzle and compiled by the database once per connection, its values bound per
 * request: building and compiling a statement cost more than running it (prepared.ts), and on
 * PostgreSQL each statement is a round trip. At most 2 × 2 × 2 × 3 × 2 × 2 shapes.
 */
interface PageShape {
  sort: QueueSort;
  status: boolean;
  priority: boolean;
  assignee: 'any' | 'unassigned' | 'one';
  label: boolean;
  cursor: boolean;
}

function pageShape(f: QueueFilters, sort: QueueSort): PageShape {
  return {
    sort,
    status: f.status !== undefined,
    priority: f.priority !== undefined,
    assignee: f.assigneeId === undefined ? 'any' : f.assigneeId === null ? 'unassigned' : 'one',
    label: f.label !== undefined,
    cursor: f.before !== undefined,
  };
}

const shapeName = (s: PageShape) => `queue_page_${s.sort}_${+s.status}${+s.priority}${s.assignee}${+s.label}${+s.cursor}`;

/**
 * The page's conditions on tickets but status and label (a label view is driven from
 * ticket_labels: see the page builders below). test/server/queue/plan.test.ts pins the plans.
 */
function filterConditions({ tickets }: Schema, s: PageShape): SQL[] {
  const where: SQL[] = [];
  if (s.priority) where.push(eq(tickets.priority, P('priority')));
  if (s.assignee === 'unassigned') where.push(isNull(tickets.assigneeId));
  else if (s.assignee === 'one') where.push(eq(tickets.assigneeId, P('assigneeId')));
  return where;
}

/**
 * One queue page, last activity first (or newest first). Paging is keyset on the page's own
 * order — (updatedAt, seq) below the cursor, or seq below it — so tickets created or touched
 * while someone pages move above the cursor: they can neither shift nor repeat older pages (a
 * touched ticket shows at the top on the next first page). `counts` applies every filter except
 * status (so a status tab bar can show all five numbers).
 *
 * Two statements, independent of each other: on PostgreSQL they run at once on two pooled
 * connections (one round trip's wait), on SQLite one after the other.
 */
export async function listQueue(db: Db, f: QueueFilters): Promise<QueuePage> {
  const sort = f.sort ?? 'activity';
  if (f.before !== undefined && f.before.sort !== sort) throw badRequest('validation_failed', 'querystring/cursor: the cursor belongs to another sort order');
  const byActivity = sort === 'activity';
  const shape = pageShape(f, sort);
  const [rows, counts] = await Promise.all([
    pageStatement(db, shape).execute({
      status: f.status,
      priority: f.priority,
      assigneeId: f.assigneeId,
      label: f.label,
      beforeUpdatedAt: f.before?.sort === 'activity' ? f.before.updatedAt : undefined,
      beforeSeq: f.before?.seq,
      limit: f.limit + 1,
    }),
    countByStatus(db, f),
  ]);
  const ordered = summaries(rows).sort(byActivity ? activityOrder : newestOrder);
  const page = ordered.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    tickets: page.map((t) => t.ticket),
    nextCursor: ordered.length > f.limit && last ? (byActivity ? encodePairCursor('a1:', last.ticket.updatedAt, last.seq) : encodeCursor('q1:', last.seq)) : null,
    counts,
  };
}

// The statement has no outer ORDER BY: the page subquery walks its index in order and stops at
// LIMIT, and sorting its ≤ 101 rows here keeps SQLite from planning a sort (plan.test.ts).
type Summary = { seq: number; ticket: StaffTicket };
const activityOrder = (a: Summary, b: Summary) => b.ticket.updatedAt - a.ticket.updatedAt || b.seq - a.seq;
const newestOrder = (a: Summary, b: Summary) => b.seq - a.seq;

// Each page reads one extra row: it tells whether another page exists without a second query.

/** The page without a label: a walk of the (filter, updated_at, seq) or (filter, seq) index. */
function pageFromTickets(db: Db, s: PageShape) {
  const schema = tables(db);
  const { tickets } = schema;
  const where = filterConditions(schema, s);
  if (s.status) where.push(eq(tickets.status, P('status')));
  const byActivity = s.sort === 'activity';
  if (s.cursor)
    where.push(
      byActivity
        ? // A row-value comparison: the index walk starts at the cursor.
          sql`(${tickets.updatedAt}, ${tickets.seq}) < (${P('beforeUpdatedAt')}, ${P('beforeSeq')})`
        : lt(tickets.seq, P('beforeSeq')),
    );
  return db
    .select(ticketColumns(schema))
    .from(tickets)
    .where(and(...where))
    .orderBy(...(byActivity ? [desc(tickets.updatedAt), desc(tickets.seq)] : [desc(tickets.seq)]))
    .limit(P('limit'));
}

/**
 * A label view by last activity: a walk of ticket_labels' own (tag, [status,] updated_at,
 * ticket_seq) index over the copies the triggers keep (db/schema/labels.ts), so only the page's
 * entries are read, however many tickets carry the tag; the tickets are then read by seq.
 * CROSS JOIN keeps SQLite (and the intent) driving from ticket_labels.
 */
function labelPageByActivity(db: Db, s: PageShape) {
  const schema = tables(db);
  const { tickets, ticketLabels: l } = schema;
  const where: SQL[] = [eq(l.tag, P('label'))];
  if (s.status) where.push(eq(l.status, P('status')));
  if (s.priority) where.push(eq(l.priority, P('priority')));
  if (s.assignee === 'unassigned') where.push(isNull(l.assigneeId));
  else if (s.assignee === 'one') where.push(eq(l.assigneeId, P('assigneeId')));
  if (s.cursor) where.push(sql`(${l.updatedAt}, ${l.ticketSeq}) < (${P('beforeUpdatedAt')}, ${P('beforeSeq')})`);
  return db
    .select(ticketColumns(schema))
    .from(l)
    .crossJoin(tickets)
    .where(and(...where, eq(tickets.seq, l.ticketSeq)))
    .orderBy(desc(l.updatedAt), desc(l.ticketSeq))
    .limit(P('limit'));
}

/**
 * A label view newest first: a walk of (tag, ticket_seq) in seq order, each entry checked
 * against the ticket's (status, seq) index; it stops at the page's last row.
 */
function labelPageNewest(db: Db, s: PageShape) {
  const schema = tables(db);
  const { tickets, ticketLabels: l } = schema;
  const where = filterConditions(schema, s);
  if (s.status) where.push(eq(tickets.status, P('status')));
  const after = s.cursor ? lt(l.ticketSeq, P('beforeSeq')) : undefined;
  return db
    .select(ticketColumns(schema))
    .from(l)
    .crossJoin(tickets)
    .where(and(eq(l.tag, P('label')), eq(tickets.seq, l.ticketSeq), ...where, after))
    .orderBy(desc(l.ticketSeq))
    .limit(P('limit'));
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summariesOf>['execute']>>[number];
interface SummaryStatement {
  execute(params: Record<string, unknown>): Promise<SummaryRow[]>;
}

const statements = preparedPer(() => new Map<string, SummaryStatement>());

function pageStatement(db: Db, s: PageShape): SummaryStatement {
  const name = shapeName(s);
  const byName = statements(db);
  let statement = byName.get(name);
  if (statement === undefined) {
    const page = s.label ? (s.sort === 'activity' ? labelPageByActivity(db, s) : labelPageNewest(db, s)) : pageFromTickets(db, s);
    statement = prepareAs(db, name, summariesOf(db, page.as('page')));
    byName.set(name, statement);
  }
  return statement;
}

function ticketStatement(db: Db): SummaryStatement {
  const byName = statements(db);
  let statement = byName.get('queue_ticket');
  if (statement === undefined) {
    const schema = tables(db);
    const one = db
      .select(ticketColumns(schema))
      .from(schema.tickets)
      .where(eq(schema.tickets.id, P('ticketId')));
    statement = prepareAs(db, 'queue_ticket', summariesOf(db, one.as('page')));
    byName.set('queue_ticket', statement);
  }
  return statement;
}

/** A queue cursor from the client back to the position it stands for (400 if it is not ours). */
export function queueCursorPosition(cursor: string, sort: QueueSort = 'activity'): QueuePosition {
  if (sort === 'newest') return { sort, seq: decodeCursor('q1:', cursor) };
  const [updatedAt, seq] = decodePairCursor('a1:', cursor);
  return { sort, updatedAt, seq };
}

export async function getStaffTicket(db: Db, ticketId: string): Promise<StaffTicket> {
  const [summary] = summaries(await ticketStatement(db).execute({ ticketId }));
  if (!summary) throw notFound('no such ticket');
  return summary.ticket;
}

/** A subquery with the ticket columns the summaries read (every page builder selects them). */
type PageSubquery = ReturnType<ReturnType<typeof pageFromTickets>['as']>;

/**
 * The page's tickets with what each summary needs — first message, requester key, team and note
 * wraps, tags, whose turn it is — in one statement: each is an indexed lookup by the ticket
 * (a join on the unique (ticket_id, seq) and the requester's primary key, or a correlated
 * subquery that reads one index range), never a scan. Each correlated subquery costs a few
 * microseconds per row on SQLite, so each returns what it has to say as one text value
 * (parsed by `summaries`): four per row rather than seven (DECISIONS, "Queue at 100k").
 */
function summariesOf(db: Db, page: PageSubquery) {
  const { messages, wraps, ticketLabels, requesters } = tables(db);
  const thread = alias(messages, 'thread');
  // '<version>:<sealed>' of the newest version: during a rotation a ticket may carry v and v+1,
  // and staff hold grants for both. A sealed key is base64url, so ':' cannot occur in one.
  const newestWrap = (kind: 'ticket' | 'note') =>
    sql<
      string | null
    >`(select ${wraps.teamKeyVersion} || ':' || ${wraps.sealed} from ${wraps} where ${wraps.ticketId} = ${page.id} and ${wraps.keyKind} = ${kind} and ${wraps.recipient} = 'team' order by ${wraps.teamKeyVersion} desc limit 1)`;
  // Who spoke last, from metadata the server has anyway (author type and seq of each message):
  // exact for the whole team, and no per-member read receipts are kept (DECISIONS, issue 12).
  // '<last requester seq>:<last staff seq>', 0 for none.
  const lastOf = (author: 'requester' | 'staff') => sql`coalesce(max(case when ${thread.authorType} = ${author} then ${thread.seq} end), 0)`;
  const turns = sql<string>`(select ${lastOf('requester')} || ':' || ${lastOf('staff')} from ${messages} ${sql.identifier('thread')} where ${thread.ticketId} = ${page.id} and ${thread.kind} = 'message')`;
  // The tags, ',' between them (a tag is base64url: contract LabelTag), sorted by `summaries`.
  const tagList =
    dialectOf(db) === 'pg'
      ? sql<string | null>`(select string_agg(${ticketLabels.tag}, ',') from ${ticketLabels} where ${ticketLabels.ticketSeq} = ${page.seq})`
      : sql<string | null>`(select group_concat(${ticketLabels.tag}, ',') from ${ticketLabels} where ${ticketLabels.ticketSeq} = ${page.seq})`;
  // A lookup by primary key per row, not a join: PostgreSQL planned the join as a hash of the
  // whole requesters table (a sequential scan of every requester on every page, ~2 ms of a 3 ms
  // page at 10,000 requesters, growing with the desk), since 51 index probes looked dearer to it.
  const requesterSignPk = sql<string | null>`(select ${requesters.signPk} from ${requesters} where ${requesters.id} = ${page.requesterId})`;
  return db
    .select({
      seq: page.seq,
      id: page.id,
      status: page.status,
      priority: page.priority,
      assigneeId: page.assigneeId,
      createdAt: page.createdAt,
      updatedAt: page.updatedAt,
      closedAt: page.closedAt,
      messageId: messages.id,
      messageSeq: messages.seq,
      kind: messages.kind,
      authorType: messages.authorType,
      authorStaffId: messages.authorStaffId,
      nonce: messages.nonce,
      ct: messages.ct,
      sig: messages.sig,
      messageCreatedAt: messages.createdAt,
      signPk: requesterSignPk,
      teamWrap: newestWrap('ticket'),
      noteWrap: newestWrap('note'),
      tags: tagList,
      turns,
    })
    .from(page)
    .leftJoin(messages, and(eq(messages.ticketId, page.id), eq(messages.seq, 1)));
}

/** '<version>:<sealed>' (see summariesOf) as a wrap. */
function wrapOf(packed: string | null): TeamWrapOut | null {
  if (packed === null) return null;
  const colon = packed.indexOf(':');
  return { teamKeyVersion: Number(packed.slice(0, colon)), sealed: packed.slice(colon + 1) };
}

/** Byte order, as SQLite's BINARY collation and PostgreSQL's "C" sort: tags are ASCII. */
const byBytes = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The rows of a summaries statement as the API's ticket summaries (in the statement's order). */
function summaries(rows: SummaryRow[]): Summary[] {
  return rows.map((r) => {
    const teamWrap = wrapOf(r.teamWrap);
    // Ticket creation writes ticket, first message and both wraps in one transaction, and a
    // retirement only drops v once v+1 exists, so a miss here is corruption, not user input.
    if (
      r.messageId === null ||
      r.messageSeq === null ||
      r.kind === null ||
      r.authorType === null ||
      r.nonce === null ||
      r.ct === null ||
      r.sig === null ||
      r.messageCreatedAt === null
    )
      throw new Error('ticket is missing its first message, team wrap or requester');
    if (teamWrap === null || r.signPk === null) throw new Error('ticket is missing its first message, team wrap or requester');
    const [lastRequester, lastStaff] = r.turns.split(':').map(Number) as [number, number];
    const awaitingStaff = lastRequester > lastStaff;
    const ticket: StaffTicket = {
      ticketId: r.id,
      status: r.status,
      priority: r.priority,
      assigneeId: r.assigneeId,
      labels: r.tags === null ? [] : r.tags.split(',').sort(byBytes),
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      closedAt: r.closedAt,
      firstMessage: {
        messageId: r.messageId,
        seq: r.messageSeq,
        kind: r.kind,
        author: r.authorType === 'staff' && r.authorStaffId ? { type: 'staff', staffId: r.authorStaffId } : { type: 'requester' },
        envelope: { v: 1, nonce: r.nonce, ct: r.ct, sig: r.sig },
        createdAt: r.messageCreatedAt,
      },
      awaitingStaff,
      requesterReplied: awaitingStaff && lastStaff > 0,
      teamWrap,
      noteWrap: wrapOf(r.noteWrap),
      requesterSignPk: r.signPk,
    };
    return { seq: r.seq, ticket };
  });
}
