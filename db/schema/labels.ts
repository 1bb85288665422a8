import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { staff } from './staff';
import { tickets } from './tickets';

/** Label dictionary: blind tag → name sealed under the label key. The server never sees a name. */
export const labels = sqliteTable('labels', {
  tag: text('tag').primaryKey(),
  sealedName: text('sealed_name').notNull(),
  createdBy: text('created_by').references(() => staff.id, { onDelete: 'set null' }),
  createdAt: integer('created_at').notNull(),
});

/** Blind tags on a ticket, keyed by the ticket's internal seq so label filters page like the queue. */
export const ticketLabels = sqliteTable(
  'ticket_labels',
  {
    ticketSeq: integer('ticket_seq')
      .notNull()
      .references(() => tickets.seq, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
  },
  (t) => [primaryKey({ columns: [t.ticketSeq, t.tag] }), index('ticket_labels_tag_ticket_idx').on(t.tag, t.ticketSeq)],
);
