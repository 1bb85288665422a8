import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { AUTHOR_TYPES, MESSAGE_KINDS } from '../schema/messages';
import { int } from './columns';
import { staff } from './staff';
import { tickets } from './tickets';

export { AUTHOR_TYPES, MESSAGE_KINDS };

/** PostgreSQL twin of db/schema/messages.ts. */
export const messages = pgTable(
  'messages',
  {
    id: text('id').primaryKey(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    seq: int('seq').notNull(),
    kind: text('kind', { enum: MESSAGE_KINDS }).notNull(),
    authorType: text('author_type', { enum: AUTHOR_TYPES }).notNull(),
    authorStaffId: text('author_staff_id').references(() => staff.id, { onDelete: 'restrict' }),
    nonce: text('nonce').notNull(),
    ct: text('ct').notNull(),
    sig: text('sig').notNull(),
    createdAt: int('created_at').notNull(),
  },
  (t) => [uniqueIndex('messages_ticket_seq_unique').on(t.ticketId, t.seq), index('messages_created_idx').on(t.createdAt)],
);
