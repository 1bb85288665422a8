// SPEC §5 attachments, server side (API.md "Attachments", PROTOCOL.md §5). The server stores what
// it cannot read: the metadata envelope (AEAD under K, signed by the uploader) and the sealed
// chunks. It checks shapes, sizes and the metadata signature: every chunk's exact length follows
// from paddedSize and chunkBytes, so a completed attachment is exactly what was declared.
// Integrity of the content is the client's job (every chunk's AD binds its place).
//
// Storage decision (DECISIONS.md "Attachments"): chunks are BLOBs in attachment_chunks, written
// through group commit like every acknowledged write, so a 204 means durable, backups and
// retention cover attachments with no second store, and secure_delete overwrites deleted ones.
// One request holds at most one chunk (≤ 1 MiB + 40) in memory; no call reads a whole file.
import type { Db, Sqlite } from '../../db/client';
import type { Attachment, AttachmentStatus, CreateAttachmentBody, MessageAuthor } from '../../contract/index';
import {
  asSignPublicKey,
  attachmentChunkCount,
  chunkCipherBytes,
  isCryptoError,
  isPaddedAttachmentSize,
  paddedAttachmentSize,
  verifyAttachmentMetaSignature,
} from '../../protocol/index';
import { AppError, badRequest, conflict, forbidden, notFound } from '../errors';
import { preparedPer } from './prepared';
import { admittedSignPk } from './staff-admission';
import { requesterSignPkOf } from './tickets';

export interface AttachmentLimits {
  /** Largest plaintext file (config SEALDESK_MAX_ATTACHMENT_MB); enforced on its bucket. */
  maxAttachmentBytes: number;
  /** Largest total of one ticket's attachments (config SEALDESK_MAX_TICKET_MB); on buckets. */
  maxTicketBytes: number;
}

/** Who calls: the requester owning the ticket, or an admitted member (the guards made sure). */
export type Uploader = { type: 'requester'; requesterId: string } | { type: 'staff'; staffId: string };

/** An upload not completed this long after its creation is deleted by the maintenance job. */
export const INCOMPLETE_UPLOAD_TTL_SECONDS = 24 * 60 * 60;

export const payloadTooLarge = (message: string) => new AppError('payload_too_large', message);

interface Row {
  attachmentId: string;
  uploaderType: 'requester' | 'staff';
  uploaderStaffId: string | null;
  meta: string;
  paddedSize: number;
  chunkBytes: number;
  chunkCount: number;
  createdAt: number;
  completedAt: number | null;
}

const COLUMNS = `id AS attachmentId, uploader_type AS uploaderType, uploader_staff_id AS uploaderStaffId, meta,
  padded_size AS paddedSize, chunk_bytes AS chunkBytes, chunk_count AS chunkCount, created_at AS createdAt, completed_at AS completedAt`;

function uploaderOf(row: Row): MessageAuthor {
  return row.uploaderType === 'staff' ? { type: 'staff', staffId: row.uploaderStaffId ?? '' } : { type: 'requester' };
}

function toWire(row: Row): Attachment {
  return {
    attachmentId: row.attachmentId,
    uploader: uploaderOf(row),
    meta: JSON.parse(row.meta) as Attachment['meta'],
    paddedSize: row.paddedSize,
    chunkBytes: row.chunkBytes,
    chunkCount: row.chunkCount,
    createdAt: row.createdAt,
    complete: row.completedAt !== null,
  };
}

/**
 * The chunk routes' statements, compiled once per connection: a 25 MiB file is ~100 chunk
 * requests, and compiling their five statements on each cost more loop time than the session
 * check (bench/attachments.ts; DECISIONS.md "Attachment throughput").
 */
const chunkStatements = preparedPer((sqlite: Sqlite) => ({
  row: sqlite.prepare(`SELECT ${COLUMNS} FROM attachments WHERE id = ? AND ticket_id = ?`),
  hasChunk: sqlite.prepare('SELECT 1 FROM attachment_chunks WHERE attachment_id = ? AND idx = ?'),
  completedAt: sqlite.prepare('SELECT completed_at AS completedAt FROM attachments WHERE id = ?'),
  insertChunk: sqlite.prepare('INSERT INTO attachment_chunks (attachment_id, idx, data) VALUES (?, ?, ?) ON CONFLICT (attachment_id, idx) DO NOTHING'),
  chunkData: sqlite.prepare('SELECT data FROM attachment_chunks WHERE attachment_id = ? AND idx = ?'),
}));

function storedChunks(sqlite: Sqlite, attachmentId: string): number[] {
  return (sqlite.prepare('SELECT idx FROM attachment_chunks WHERE attachment_id = ? ORDER BY idx').all(attachmentId) as { idx: number }[]).map((r) => r.idx);
}

function withStatus(sqlite: Sqlite, row: Row): AttachmentStatus {
  return { ...toWire(row), storedChunks: row.completedAt === null ? storedChunks(sqlite, row.attachmentId) : Array.from({ length: row.chunkCount }, (_, i) => i) };
}

function loadRow(sqlite: Sqlite, ticketId: string, attachmentId: string): Row {
  // SECURITY: the ticket id is part of the lookup; an attachment id alone must not reach across
  // tickets (the caller was authorised for `ticketId` only).
  const row = chunkStatements(sqlite).row.get(attachmentId, ticketId) as Row | undefined;
  if (!row) throw notFound('no such attachment');
  return row;
}

const sameUploader = (row: Row, u: Uploader) => (u.type === 'staff' ? row.uploaderType === 'staff' && row.uploaderStaffId === u.staffId : row.uploaderType === 'requester');

/**
 * SECURITY: only the uploader writes an attachment's body. Anyone else holding K could otherwise
 * replace the chunks of an unfinished upload under metadata signed by someone else. (A requester
 * caller owns the ticket — the guard checked — so "requester" names exactly them.)
 */
function assertUploader(row: Row, u: Uploader): void {
  if (!sameUploader(row, u)) throw forbidden('only the uploader may add to this attachment');
}

/** The padded bound of a limit: what the server compares padded sizes with. */
export const paddedLimit = (bytes: number) => paddedAttachmentSize(bytes);

/**
 * SECURITY: the metadata must be signed by the caller, with the key readers will check it
 * against: the ticket's requester key, or the member's key the key log certifies.
 */
function assertMetaSignedBy(db: Db, u: Uploader, ticketId: string, attachmentId: string, meta: unknown): void {
  const signPk = u.type === 'staff' ? admittedSignPk(db, u.staffId) : requesterSignPkOf(db, u.requesterId);
  try {
    verifyAttachmentMetaSignature({ ticketId, attachmentId, envelope: meta, authorSignPk: asSignPublicKey(signPk) });
  } catch (err) {
    if (isCryptoError(err)) throw badRequest('bad_signature', "the attachment metadata signature does not verify against the uploader's key");
    throw err;
  }
}

/**
 * Checks and records a new attachment; run inside group commit. An identical repeat by the same
 * uploader returns the stored one (`created: false`), so a create whose answer was lost can be
 * retried. Order of checks: API.md "Create".
 */
export function createAttachment(
  db: Db,
  sqlite: Sqlite,
  limits: AttachmentLimits,
  a: { ticketId: string; uploader: Uploader; body: CreateAttachmentBody; createdAt: number },
): { status: AttachmentStatus; created: boolean } {
  const { attachmentId, meta, paddedSize, chunkBytes, chunkCount } = a.body;
  if (chunkCount !== attachmentChunkCount(paddedSize, chunkBytes)) {
    throw badRequest('bad_chunk_count', `${paddedSize} bytes in chunks of ${chunkBytes} make ${attachmentChunkCount(paddedSize, chunkBytes)} chunks`);
  }
  if (!isPaddedAttachmentSize(paddedSize)) throw badRequest('bad_padded_size', `${paddedSize} is not a size bucket (PROTOCOL.md §5.1)`);
  if (paddedSize > paddedLimit(limits.maxAttachmentBytes)) throw payloadTooLarge(`attachments are limited to ${limits.maxAttachmentBytes} bytes`);
  const ticket = sqlite.prepare('SELECT status FROM tickets WHERE id = ?').get(a.ticketId) as { status: string } | undefined;
  if (!ticket) throw notFound('no such ticket');
  if (ticket.status === 'closed') throw conflict('this request is closed; open a new one', 'ticket_closed');
  assertMetaSignedBy(db, a.uploader, a.ticketId, attachmentId, meta);

  const metaText = JSON.stringify(meta);
  // SECURITY: check and insert in one transaction (a savepoint inside the group commit, which
  // holds the write lock), or two parallel uploads could each see room under the ticket quota.
  return sqlite.transaction(() => {
    const existing = sqlite.prepare(`SELECT ${COLUMNS}, ticket_id AS ticketId FROM attachments WHERE id = ?`).get(attachmentId) as (Row & { ticketId: string }) | undefined;
    if (existing) {
      const same =
        existing.ticketId === a.ticketId &&
        sameUploader(existing, a.uploader) &&
        existing.meta === metaText &&
        existing.paddedSize === paddedSize &&
        existing.chunkBytes === chunkBytes;
      if (!same) throw conflict('an attachment with this id already exists');
      return { status: withStatus(sqlite, existing), created: false };
    }
    // Unfinished uploads count too: a reservation is how the quota stops an endless upload.
    const { n } = sqlite.prepare('SELECT coalesce(sum(padded_size), 0) AS n FROM attachments WHERE ticket_id = ?').get(a.ticketId) as { n: number };
    if (n + paddedSize > paddedLimit(limits.maxTicketBytes)) throw payloadTooLarge(`a ticket's attachments are limited to ${limits.maxTicketBytes} bytes`);
    const row: Row = {
      attachmentId,
      uploaderType: a.uploader.type,
      uploaderStaffId: a.uploader.type === 'staff' ? a.uploader.staffId : null,
      meta: metaText,
      paddedSize,
      chunkBytes,
      chunkCount,
      createdAt: a.createdAt,
      completedAt: null,
    };
    sqlite
      .prepare(
        `INSERT INTO attachments (id, ticket_id, uploader_type, uploader_staff_id, meta, padded_size, chunk_bytes, chunk_count, completed_at, created_at)
         VALUES (@attachmentId, @ticketId, @uploaderType, @uploaderStaffId, @meta, @paddedSize, @chunkBytes, @chunkCount, NULL, @createdAt)`,
      )
      .run({ ...row, ticketId: a.ticketId });
    return { status: { ...toWire(row), storedChunks: [] }, created: true };
  })();
}

export function attachmentStatus(sqlite: Sqlite, ticketId: string, attachmentId: string): AttachmentStatus {
  return withStatus(sqlite, loadRow(sqlite, ticketId, attachmentId));
}

/** What a chunk upload must bring; checked before any of its body is read. */
export interface ChunkTarget {
  attachmentId: string;
  index: number;
  /** The exact byte length chunk `index` has. */
  expectedBytes: number;
  /** Stored before: acknowledge without writing (API.md "Upload"). */
  alreadyStored: boolean;
}

export function chunkUploadTarget(sqlite: Sqlite, ticketId: string, attachmentId: string, index: number, uploader: Uploader): ChunkTarget {
  const row = loadRow(sqlite, ticketId, attachmentId);
  assertUploader(row, uploader);
  checkIndex(row, index);
  // A completed attachment is immutable: a download must get what the uploader completed.
  if (row.completedAt !== null) throw conflict('the attachment is already complete', 'attachment_complete');
  const alreadyStored = chunkStatements(sqlite).hasChunk.get(attachmentId, index) !== undefined;
  return { attachmentId, index, expectedBytes: chunkCipherBytes(row.paddedSize, row.chunkBytes, index), alreadyStored };
}

function checkIndex(row: Row, index: number): void {
  if (index >= row.chunkCount) throw badRequest('chunk_out_of_range', `chunk index must be below ${row.chunkCount}`);
}

/** Stores one chunk whose length the route has checked; a chunk stored meanwhile is kept as is. Run inside group commit. */
export function storeChunk(sqlite: Sqlite, target: ChunkTarget, data: Buffer): void {
  if (data.length !== target.expectedBytes) throw badRequest('bad_chunk_size', `chunk ${target.index} must be exactly ${target.expectedBytes} bytes`);
  // The attachment may have been completed or deleted (cleanup) while the body streamed in.
  const statements = chunkStatements(sqlite);
  const row = statements.completedAt.get(target.attachmentId) as { completedAt: number | null } | undefined;
  if (!row) throw notFound('no such attachment');
  if (row.completedAt !== null) throw conflict('the attachment is already complete', 'attachment_complete');
  statements.insertChunk.run(target.attachmentId, target.index, data);
}

/** Marks the attachment complete once every chunk is stored; idempotent. Run inside group commit. */
export function completeAttachment(sqlite: Sqlite, ticketId: string, attachmentId: string, uploader: Uploader, now: number): Attachment {
  const row = loadRow(sqlite, ticketId, attachmentId);
  assertUploader(row, uploader);
  if (row.completedAt !== null) return toWire(row);
  // Chunk lengths were checked on the way in, so a full count means exactly the declared body.
  const { n } = sqlite.prepare('SELECT count(*) AS n FROM attachment_chunks WHERE attachment_id = ?').get(attachmentId) as { n: number };
  if (n !== row.chunkCount) throw conflict(`${row.chunkCount - n} of ${row.chunkCount} chunks are missing`, 'attachment_incomplete');
  sqlite.prepare('UPDATE attachments SET completed_at = ? WHERE id = ? AND completed_at IS NULL').run(now, attachmentId);
  return toWire({ ...row, completedAt: now });
}

export function listAttachments(sqlite: Sqlite, ticketId: string): Attachment[] {
  return (sqlite.prepare(`SELECT ${COLUMNS} FROM attachments WHERE ticket_id = ? ORDER BY created_at, rowid`).all(ticketId) as Row[]).map(toWire);
}

/** One sealed chunk of a completed attachment. */
export function getChunk(sqlite: Sqlite, ticketId: string, attachmentId: string, index: number): Buffer {
  const row = loadRow(sqlite, ticketId, attachmentId);
  checkIndex(row, index);
  if (row.completedAt === null) throw conflict('the attachment is not complete yet', 'attachment_incomplete');
  const chunk = chunkStatements(sqlite).chunkData.get(attachmentId, index) as { data: Buffer } | undefined;
  if (!chunk) throw notFound('no such chunk');
  return chunk.data;
}
