import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { staff } from './staff';
import { TICKET_PRIORITIES, TICKET_STATUSES, tickets } from './tickets';

/** Label dictionary: blind tag → name sealed under the label key. The server never sees a name. */
export const labels = sqliteTable('labels', {
  tag: text('tag').primaryKey(),
  sealedName: text('sealed_name').notNull(),
  createdBy: text('created_by').references(() => staff.id, { onDelete: 'set null' }),
  createdAt: integer('created_at').notNull(),
});

/**
 * Blind tags on a ticket, keyed by the ticket's internal seq so label filters page like the queue.
 * `status`, `priority`, `assigneeId` and `updatedAt` are copies of the ticket's, so a label view
 * (page by activity, counts) reads only the tag's index entries, never a row per carrying ticket
 * (DECISIONS "Queue at 100k on both dialects"). SECURITY (integrity): the copies are written only
 * by the triggers of SQLite migration 0007 / PostgreSQL 0004, in the very statement that inserts
 * the tag or changes the ticket; nothing in the code writes them (the defaults never survive the
 * insert's own trigger).
 */
export const ticketLabels = sqliteTable(
  'ticket_labels',
  {
    ticketSeq: integer('ticket_seq')
      .notNull()
      .references(() => tickets.seq, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    status: text('status', { enum: TICKET_STATUSES }).notNull().default('new'),
    priority: text('priority', { enum: TICKET_PRIORITIES }).notNull().default('normal'),
    assigneeId: text('assignee_id'),
    updatedAt: integer('updated_at').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.ticketSeq, t.tag] }),
    index('ticket_labels_tag_ticket_idx').on(t.tag, t.ticketSeq),
    // A label view by last activity, without and with a status: the page is an index walk.
    index('ticket_labels_tag_activity_idx').on(t.tag, t.updatedAt, t.ticketSeq),
    index('ticket_labels_tag_status_activity_idx').on(t.tag, t.status, t.updatedAt, t.ticketSeq),
    // A label view's counts per status under any priority/assignee filter: a covering range scan.
    index('ticket_labels_tag_counts_idx').on(t.tag, t.status, t.priority, t.assigneeId),
  ],
);
