import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { requesters } from './requesters';
import { staff } from './staff';

export const TICKET_STATUSES = ['new', 'open', 'waiting_requester', 'resolved', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/**
 * Tickets. `seq` is internal (stable newest-first cursor pagination); `id` is the public,
 * client-chosen id that associated data binds. Only staff-set triage metadata is plaintext.
 * `updatedAt` is the ticket's last activity: its last thread message from either side (a
 * requester's hour-rounded, SPEC §5) or its last status change; notes, labels, priority and
 * assignee leave it alone (DECISIONS "Staff queue by last activity").
 */
export const tickets = sqliteTable(
  'tickets',
  {
    seq: integer('seq').primaryKey({ autoIncrement: true }),
    id: text('id').notNull().unique(),
    requesterId: text('requester_id')
      .notNull()
      .references(() => requesters.id, { onDelete: 'cascade' }),
    status: text('status', { enum: TICKET_STATUSES }).notNull().default('new'),
    priority: text('priority', { enum: TICKET_PRIORITIES }).notNull().default('normal'),
    assigneeId: text('assignee_id').references(() => staff.id, { onDelete: 'set null' }),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    closedAt: integer('closed_at'),
  },
  (t) => [
    index('tickets_status_seq_idx').on(t.status, t.seq),
    index('tickets_assignee_seq_idx').on(t.assigneeId, t.seq),
    index('tickets_priority_seq_idx').on(t.priority, t.seq),
    index('tickets_requester_idx').on(t.requesterId),
    index('tickets_closed_at_idx').on(t.closedAt),
    // The queue's default order, last activity first: (updatedAt, seq) is the keyset.
    index('tickets_activity_idx').on(t.updatedAt, t.seq),
    index('tickets_status_activity_idx').on(t.status, t.updatedAt, t.seq),
    index('tickets_assignee_activity_idx').on(t.assigneeId, t.updatedAt, t.seq),
    index('tickets_priority_activity_idx').on(t.priority, t.updatedAt, t.seq),
  ],
);

/**
 * How many tickets have each (status, priority, assignee): the queue's counts read at most
 * statuses × priorities × (staff + 1) rows instead of walking an index entry per ticket.
 * SECURITY (integrity): maintained only by the triggers in migration 0005, inside the very
 * statement that changes a ticket, so every path (routes, cascades from a deleted requester, the
 * retention job, another connection) keeps it exact; nothing in the code writes it.
 */
export const ticketCounts = sqliteTable(
  'ticket_counts',
  {
    status: text('status', { enum: TICKET_STATUSES }).notNull(),
    priority: text('priority', { enum: TICKET_PRIORITIES }).notNull(),
    /** The assignee's staff id, or '' for unassigned (a primary-key column cannot match on NULL). */
    assignee: text('assignee').notNull(),
    n: integer('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.priority, t.assignee] })],
);
