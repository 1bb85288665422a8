import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { requesters } from './requesters';
import { staff } from './staff';

export const TICKET_STATUSES = ['new', 'open', 'waiting_requester', 'resolved', 'closed'] as const;
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;

/**
 * Tickets. `seq` is internal (stable newest-first cursor pagination); `id` is the public,
 * client-chosen id that associated data binds. Only staff-set triage metadata is plaintext.
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
  ],
);
