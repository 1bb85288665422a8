import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { bytes, int } from './columns';
import { tickets } from './tickets';

/** PostgreSQL twin of db/schema/attachments.ts (defaults kept for parity with the SQLite file). */
export const attachments = pgTable(
  'attachments',
  {
    id: text('id').primaryKey(),
    ticketId: text('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    uploaderType: text('uploader_type', { enum: ['requester', 'staff'] })
      .notNull()
      .default('requester'),
    uploaderStaffId: text('uploader_staff_id'),
    meta: text('meta').notNull(),
    paddedSize: int('padded_size').notNull().default(0),
    chunkBytes: int('chunk_bytes').notNull().default(65536),
    chunkCount: int('chunk_count').notNull(),
    completedAt: int('completed_at'),
    createdAt: int('created_at').notNull(),
  },
  (t) => [index('attachments_ticket_idx').on(t.ticketId), index('attachments_pending_idx').on(t.completedAt, t.createdAt)],
);

export const attachmentChunks = pgTable(
  'attachment_chunks',
  {
    attachmentId: text('attachment_id')
      .notNull()
      .references(() => attachments.id, { onDelete: 'cascade' }),
    idx: int('idx').notNull(),
    data: bytes('data').notNull(),
  },
  (t) => [primaryKey({ columns: [t.attachmentId, t.idx] })],
);
