import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tickets } from './tickets';

/** Attachment headers: `meta` is the AEAD envelope of {name, type, size, F}; the body lives in chunks. */
export const attachments = sqliteTable(
  'attachments',
  {
    id: text('id').primaryKey(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    meta: text('meta').notNull(),
    header: text('header').notNull(),
    chunkCount: integer('chunk_count').notNull(),
    size: integer('size').notNull(),
    completedAt: integer('completed_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('attachments_ticket_idx').on(t.ticketId)],
);

/** Secretstream ciphertext chunks of one attachment, in order. */
export const attachmentChunks = sqliteTable(
  'attachment_chunks',
  {
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id, { onDelete: 'cascade' }),
    idx: integer('idx').notNull(),
    data: blob('data', { mode: 'buffer' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.attachmentId, t.idx] })],
);
