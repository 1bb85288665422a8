import { blob, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tickets } from './tickets';

/**
 * Attachments (PROTOCOL.md §5): `meta` is the AEAD envelope of {name, type, size, F}, signed by the
 * uploader; the body lives in chunks. Only padded sizes are stored: the exact size is in `meta`.
 */
export const attachments = sqliteTable(
  'attachments',
  {
    id: text('id').primaryKey(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    // The defaults exist only because SQLite cannot add a NOT NULL column without one; every
    // insert sets all three. Rows from before issue 11 keep them and read as unreadable files.
    /** 'requester' (the ticket's) or 'staff' (then uploaderStaffId): whose key signs `meta`. */
    uploaderType: text('uploader_type', { enum: ['requester', 'staff'] })
      .notNull()
      .default('requester'),
    uploaderStaffId: text('uploader_staff_id'),
    meta: text('meta').notNull(),
    paddedSize: integer('padded_size').notNull().default(0),
    chunkBytes: integer('chunk_bytes').notNull().default(65536),
    chunkCount: integer('chunk_count').notNull(),
    completedAt: integer('completed_at'),
    createdAt: integer('created_at').notNull(),
  },
  // The second index serves the maintenance sweep of unfinished uploads.
  (t) => [index('attachments_ticket_idx').on(t.ticketId), index('attachments_pending_idx').on(t.completedAt, t.createdAt)],
);

/** The sealed chunks of one attachment (nonce ‖ AEAD ciphertext), by index. */
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
