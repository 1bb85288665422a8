import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { int } from './columns';
import { staff } from './staff';
import { tickets } from './tickets';

/** PostgreSQL twin of db/schema/labels.ts. */
export const labels = pgTable('labels', {
  tag: text('tag').primaryKey(),
  sealedName: text('sealed_name').notNull(),
  createdBy: text('created_by').references(() => staff.id, { onDelete: 'set null' }),
  createdAt: int('created_at').notNull(),
});

export const ticketLabels = pgTable(
  'ticket_labels',
  {
    ticketSeq: int('ticket_seq')
      .notNull()
      .references(() => tickets.seq, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketSeq, t.tag] }), index('ticket_labels_tag_ticket_idx').on(t.tag, t.ticketSeq)],
);
