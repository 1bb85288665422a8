// SPEC §5 attachments, server side. The server stores what it cannot read: the metadata envelope
// (AEAD under K), the 24-byte secretstream header and the ciphertext chunks. It checks only
// shapes and sizes: every chunk but the last is exactly one full secretstream chunk, so the
// declared ciphertext size fixes the chunk count and every chunk's length, and a completed
// attachment is exactly what was declared. Integrity of the content is the client's job
// (decryptAttachment detects tampering, reordering and truncation).
import type { Sqlite } from '../../db/client';
import { CIPHER_CHUNK_BYTES } from '../../contract/index';
import { SECRETSTREAM_ABYTES, SECRETSTREAM_HEADER_BYTES, encryptedAttachmentSize } from '../../protocol/index';
import { AppError, badRequest, conflict, notFound } from '../errors';

export { CIPHER_CHUNK_BYTES };

export interface AttachmentLimits {
  /** Largest plaintext file (config SEALDESK_MAX_ATTACHMENT_MB). */
  maxAttachmentBytes: number;
  /** Largest plaintext total of one ticket's attachments (config SEALDESK_MAX_TICKET_MB). */
  maxTicketBytes: number;
}

export interface AttachmentRow {
  attachmentId: string;
  /** The AEAD envelope of {name, type, size, F}, as JSON text. */
  meta: string;
  header: string;
  /** Ciphertext bytes including the header: encryptedAttachmentSize(plaintext). */
  size: number;
  chunkCount: number;
  createdAt: number;
  completedAt: number | null;
}

/** What an upload announces; `meta` is the envelope as JSON text, `size` includes the header. */
export type NewAttachment = Omit<AttachmentRow, 'completedAt'> & { ticketId: string };

export const payloadTooLarge = (message: string) => new AppError('payload_too_large', message);

/** The chunk count a well-formed stream of `size` ciphertext bytes (header included) has. */
export function chunkCountFor(size: number): number {
  return Math.max(1, Math.ceil((size - SECRETSTREAM_HEADER_BYTES) / CIPHER_CHUNK_BYTES));
}

/** Plaintext bytes behind a declared ciphertext size; what the limits are stated in. */
export function plaintextBytes(size: number, chunkCount: number): number {
  return size - SECRETSTREAM_HEADER_BYTES - chunkCount * SECRETSTREAM_ABYTES;
}

/** Exact byte length chunk `index` must have. */
export function expectedChunkBytes(size: number, chunkCount: number, index: number): number {
  if (index < chunkCount - 1) return CIPHER_CHUNK_BYTES;
  return size - SECRETSTREAM_HEADER_BYTES - (chunkCount - 1) * CIPHER_CHUNK_BYTES;
}

/** The largest ciphertext size a file within the limit can have (what the route schema allows). */
export function maxCipherBytes(limits: AttachmentLimits): number {
  return encryptedAttachmentSize(limits.maxAttachmentBytes);
}

export function createAttachment(sqlite: Sqlite, limits: AttachmentLimits, a: NewAttachment): void {
  if (a.size < SECRETSTREAM_HEADER_BYTES + SECRETSTREAM_ABYTES) throw badRequest('validation_failed', 'body/size: too small for a secretstream');
  if (a.chunkCount !== chunkCountFor(a.size)) {
    throw badRequest('bad_chunk_count', `a ${a.size}-byte stream has ${chunkCountFor(a.size)} chunks of ${CIPHER_CHUNK_BYTES} bytes`);
  }
  const plain = plaintextBytes(a.size, a.chunkCount);
  if (plain > limits.maxAttachmentBytes) throw payloadTooLarge(`attachments are limited to ${limits.maxAttachmentBytes} bytes`);

  const used = sqlite.prepare(`SELECT coalesce(sum(size - ${SECRETSTREAM_HEADER_BYTES} - ${SECRETSTREAM_ABYTES} * chunk_count), 0) AS n FROM attachments WHERE ticket_id = ?`);
  const exists = sqlite.prepare('SELECT 1 FROM attachments WHERE id = ?');
  const insert = sqlite.prepare(
    `INSERT INTO attachments (id, ticket_id, meta, header, chunk_count, size, completed_at, created_at)
     VALUES (@attachmentId, @ticketId, @meta, @header, @chunkCount, @size, NULL, @createdAt)`,
  );
  // SECURITY: check and insert in one immediate transaction, or two parallel uploads could each
  // see room under the ticket quota and together exceed it.
  sqlite
    .transaction(() => {
      if (exists.get(a.attachmentId)) throw conflict('an attachment with this id already exists');
      // Incomplete uploads count too: a reservation is how the quota stops an endless upload.
      const { n } = used.get(a.ticketId) as { n: number };
      if (n + plain > limits.maxTicketBytes) throw payloadTooLarge(`a ticket's attachments are limited to ${limits.maxTicketBytes} bytes`);
      insert.run(a);
    })
    .immediate();
}

function loadAttachment(sqlite: Sqlite, ticketId: string, attachmentId: string): AttachmentRow {
  // SECURITY: the ticket id is part of the lookup; an attachment id alone must not reach across
  // tickets (the caller was authorised for `ticketId` only).
  const row = sqlite
    .prepare(
      `SELECT id AS attachmentId, meta, header, size, chunk_count AS chunkCount, created_at AS createdAt, completed_at AS completedAt
       FROM attachments WHERE id = ? AND ticket_id = ?`,
    )
    .get(attachmentId, ticketId) as AttachmentRow | undefined;
  if (!row) throw notFound('no such attachment');
  return row;
}

function checkIndex(row: AttachmentRow, index: number): void {
  if (index >= row.chunkCount) throw badRequest('chunk_out_of_range', `chunk index must be below ${row.chunkCount}`);
}

/** Stores (or, before completion, replaces) one ciphertext chunk. */
export function putChunk(sqlite: Sqlite, ticketId: string, attachmentId: string, index: number, data: Buffer): void {
  const row = loadAttachment(sqlite, ticketId, attachmentId);
  checkIndex(row, index);
  // A completed attachment is immutable: a download must get what the uploader completed.
  if (row.completedAt !== null) throw conflict('the attachment is already complete', 'attachment_complete');
  const expected = expectedChunkBytes(row.size, row.chunkCount, index);
  if (data.length !== expected) throw badRequest('bad_chunk_size', `chunk ${index} must be exactly ${expected} bytes`);
  sqlite
    .prepare(
      `INSERT INTO attachment_chunks (attachment_id, idx, data) VALUES (?, ?, ?)
       ON CONFLICT (attachment_id, idx) DO UPDATE SET data = excluded.data`,
    )
    .run(attachmentId, index, data);
}

/** Marks the attachment complete once every chunk is stored; idempotent. */
export function completeAttachment(sqlite: Sqlite, ticketId: string, attachmentId: string, now: number): AttachmentRow {
  const row = loadAttachment(sqlite, ticketId, attachmentId);
  if (row.completedAt !== null) return row;
  // Chunk lengths were checked on the way in, so a full count means exactly `size` bytes.
  const { n } = sqlite.prepare('SELECT count(*) AS n FROM attachment_chunks WHERE attachment_id = ?').get(attachmentId) as { n: number };
  if (n !== row.chunkCount) {
    throw conflict(`${row.chunkCount - n} of ${row.chunkCount} chunks are missing`, 'attachment_incomplete');
  }
  sqlite.prepare('UPDATE attachments SET completed_at = ? WHERE id = ? AND completed_at IS NULL').run(now, attachmentId);
  return { ...row, completedAt: now };
}

export function listAttachments(sqlite: Sqlite, ticketId: string): AttachmentRow[] {
  return sqlite
    .prepare(
      `SELECT id AS attachmentId, meta, header, size, chunk_count AS chunkCount, created_at AS createdAt, completed_at AS completedAt
       FROM attachments WHERE ticket_id = ? ORDER BY created_at, rowid`,
    )
    .all(ticketId) as AttachmentRow[];
}

/** One ciphertext chunk of a completed attachment. */
export function getChunk(sqlite: Sqlite, ticketId: string, attachmentId: string, index: number): Buffer {
  const row = loadAttachment(sqlite, ticketId, attachmentId);
  checkIndex(row, index);
  if (row.completedAt === null) throw conflict('the attachment is not complete yet', 'attachment_incomplete');
  const chunk = sqlite.prepare('SELECT data FROM attachment_chunks WHERE attachment_id = ? AND idx = ?').get(attachmentId, index) as { data: Buffer } | undefined;
  if (!chunk) throw notFound('no such chunk');
  return chunk.data;
}
