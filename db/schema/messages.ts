import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { staff } from './staff';
import { tickets } from './tickets';

export const MESSAGE_KINDS = ['message', 'note'] as const;
export const AUTHOR_TYPES = ['requester', 'staff'] as const;

/** Encrypted, signed messages and notes; `id` is the client-chosen messageId bound into the AD. */
export const messages = sqliteTable(
  'messages',
  {
    id: text('id').primaryKey(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    kind: text('kind', { enum: MESSAGE_KINDS }).notNull(),
    authorType: text('author_type', { enum: AUTHOR_TYPES }).notNull(),
    // Staff are disabled, never deleted; restrict keeps authorship from silently vanishing.
    authorStaffId: text('author_staff_id').references(() => staff.id, { onDelete: 'restrict' }),
    nonce: text('nonce').notNull(),
    ct: text('ct').notNull(),
    sig: text('sig').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('messages_ticket_seq_unique').on(t.ticketId, t.seq), index('messages_created_idx').on(t.createdAt)],
);
