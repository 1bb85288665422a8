import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { int } from './columns';
import { staff } from './staff';
import { TICKET_PRIORITIES, TICKET_STATUSES, tickets } from './tickets';

/** PostgreSQL twin of db/schema/labels.ts. */
export const labels = pgTable('labels', {
  tag: text('tag').primaryKey(),
  sealedName: text('sealed_name').notNull(),
  createdBy: text('created_by').references(() => staff.id, { onDelete: 'set null' }),
  createdAt: int('created_at').notNull(),
});

/** Twin of SQLite's ticket_labels, copies included (kept by the triggers of db/migrations-pg/0004). */
export const ticketLabels = pgTable(
  'ticket_labels',
  {
    ticketSeq: int('ticket_seq')
      .notNull()
      .references(() => tickets.seq, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    status: text('status', { enum: TICKET_STATUSES }).notNull().default('new'),
    priority: text('priority', { enum: TICKET_PRIORITIES }).notNull().default('normal'),
    assigneeId: text('assignee_id'),
    updatedAt: int('updated_at').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.ticketSeq, t.tag] }),
    index('ticket_labels_tag_ticket_idx').on(t.tag, t.ticketSeq),
    index('ticket_labels_tag_activity_idx').on(t.tag, t.updatedAt, t.ticketSeq),
    index('ticket_labels_tag_status_activity_idx').on(t.tag, t.status, t.updatedAt, t.ticketSeq),
    index('ticket_labels_tag_counts_idx').on(t.tag, t.status, t.priority, t.assigneeId),
  ],
);
