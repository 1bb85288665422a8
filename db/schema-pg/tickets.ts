import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { TICKET_PRIORITIES, TICKET_STATUSES } from '../schema/tickets';
import { int } from './columns';
import { requesters } from './requesters';
import { staff } from './staff';

export { TICKET_PRIORITIES, TICKET_STATUSES };

/** PostgreSQL twin of db/schema/tickets.ts; `seq` is an identity column (SQLite AUTOINCREMENT). */
export const tickets = pgTable(
  'tickets',
  {
    seq: int('seq').primaryKey().generatedByDefaultAsIdentity(),
    id: text('id').notNull().unique(),
    requesterId: text('requester_id')
      .notNull()
      .references(() => requesters.id, { onDelete: 'cascade' }),
    status: text('status', { enum: TICKET_STATUSES }).notNull().default('new'),
    priority: text('priority', { enum: TICKET_PRIORITIES }).notNull().default('normal'),
    assigneeId: text('assignee_id').references(() => staff.id, { onDelete: 'set null' }),
    createdAt: int('created_at').notNull(),
    updatedAt: int('updated_at').notNull(),
    closedAt: int('closed_at'),
  },
  (t) => [
    index('tickets_status_seq_idx').on(t.status, t.seq),
    index('tickets_assignee_seq_idx').on(t.assigneeId, t.seq),
    index('tickets_priority_seq_idx').on(t.priority, t.seq),
    index('tickets_requester_idx').on(t.requesterId),
    index('tickets_closed_at_idx').on(t.closedAt),
    index('tickets_activity_idx').on(t.updatedAt, t.seq),
    index('tickets_status_activity_idx').on(t.status, t.updatedAt, t.seq),
    index('tickets_assignee_activity_idx').on(t.assigneeId, t.updatedAt, t.seq),
    index('tickets_priority_activity_idx').on(t.priority, t.updatedAt, t.seq),
  ],
);

/** PostgreSQL twin of `ticket_counts`: kept exact by the triggers of db/migrations-pg/0002 (as 0005 does on SQLite). */
export const ticketCounts = pgTable(
  'ticket_counts',
  {
    status: text('status', { enum: TICKET_STATUSES }).notNull(),
    priority: text('priority', { enum: TICKET_PRIORITIES }).notNull(),
    assignee: text('assignee').notNull(),
    n: int('n').notNull(),
  },
  (t) => [primaryKey({ columns: [t.status, t.priority, t.assignee] })],
);
