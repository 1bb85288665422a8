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
import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
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
import { dialectOf, rawExec, tables, transaction, type Db } from './data';
import { first, prepareAs, preparedPer } from './prepared';
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

const columns = (db: Db) => {
  const { attachments: a } = tables(db);
  return {
    attachmentId: a.id,
    uploaderType: a.uploaderType,
    uploaderStaffId: a.uploaderStaffId,
    meta: a.meta,
    paddedSize: a.paddedSize,
    chunkBytes: a.chunkBytes,
    chunkCount: a.chunkCount,
    createdAt: a.createdAt,
    completedAt: a.completedAt,
  };
};

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

const ph = (name: string) => sql.placeholder(name);

/**
 * The chunk routes' statements, prepared once per connection (see prepared.ts): a 25 MiB file is
 * ~100 chunk requests, and building their statements on each cost more loop time than the
 * session check (bench/attachments.ts; DECISIONS.md "Attachment throughput").
 */
const chunkStatements = preparedPer((db) => {
  const { attachments: a, attachmentChunks: c } = tables(db);
  return {
    row: prepareAs(
      db,
      'attachment_row',
      db
        .select(columns(db))
        .from(a)
        .where(and(eq(a.id, ph('attachmentId')), eq(a.ticketId, ph('ticketId')))),
    ),
    // A chunk PUT's whole lookup in one statement: the attachment's shape, its uploader and whether
    // chunk `idx` is stored already; no metadata envelope is read or parsed per chunk.
    uploadTarget: prepareAs(
      db,
      'attachment_upload_target',
      db
        .select({
          uploaderType: a.uploaderType,
          uploaderStaffId: a.uploaderStaffId,
          paddedSize: a.paddedSize,
          chunkBytes: a.chunkBytes,
          chunkCount: a.chunkCount,
          completedAt: a.completedAt,
          storedIdx: c.idx,
        })
        .from(a)
        .leftJoin(c, and(eq(c.attachmentId, a.id), eq(c.idx, ph('idx'))))
        .where(and(eq(a.id, ph('attachmentId')), eq(a.ticketId, ph('ticketId')))),
    ),
    completedAt: prepareAs(
      db,
      'attachment_completed_at',
      db
        .select({ completedAt: a.completedAt })
        .from(a)
        .where(eq(a.id, ph('attachmentId'))),
    ),
    insertChunk: prepareAs(
      db,
      'attachment_insert_chunk',
      db
        .insert(c)
        .values({ attachmentId: ph('attachmentId'), idx: ph('idx'), data: ph('data') })
        .onConflictDoNothing(),
    ),
    // A chunk GET in one statement, as the PUT: the attachment's state and the chunk's bytes.
    chunkData: prepareAs(
      db,
      'attachment_chunk_data',
      db
        .select({ chunkCount: a.chunkCount, completedAt: a.completedAt, data: c.data })
        .from(a)
        .leftJoin(c, and(eq(c.attachmentId, a.id), eq(c.idx, ph('idx'))))
        .where(and(eq(a.id, ph('attachmentId')), eq(a.ticketId, ph('ticketId')))),
    ),
  };
});

async function storedChunks(db: Db, attachmentId: string): Promise<number[]> {
  const { attachmentChunks: c } = tables(db);
  return (await db.select({ idx: c.idx }).from(c).where(eq(c.attachmentId, attachmentId)).orderBy(asc(c.idx))).map((r) => r.idx);
}

async function withStatus(db: Db, row: Row): Promise<AttachmentStatus> {
  return { ...toWire(row), storedChunks: row.completedAt === null ? await storedChunks(db, row.attachmentId) : Array.from({ length: row.chunkCount }, (_, i) => i) };
}

async function loadRow(db: Db, ticketId: string, attachmentId: string): Promise<Row> {
  // SECURITY: the ticket id is part of the lookup; an attachment id alone must not reach across
  // tickets (the caller was authorised for `ticketId` only).
  const row = await first(chunkStatements(db).row.execute({ attachmentId, ticketId }));
  if (!row) throw notFound('no such attachment');
  return row;
}

type UploaderColumns = Pick<Row, 'uploaderType' | 'uploaderStaffId'>;

const sameUploader = (row: UploaderColumns, u: Uploader) =>
  u.type === 'staff' ? row.uploaderType === 'staff' && row.uploaderStaffId === u.staffId : row.uploaderType === 'requester';

/**
 * SECURITY: only the uploader writes an attachment's body. Anyone else holding K could otherwise
 * replace the chunks of an unfinished upload under metadata signed by someone else. (A requester
 * caller owns the ticket — the guard checked — so "requester" names exactly them.)
 */
function assertUploader(row: UploaderColumns, u: Uploader): void {
  if (!sameUploader(row, u)) throw forbidden('only the uploader may add to this attachment');
}

/** The padded bound of a limit: what the server compares padded sizes with. */
export const paddedLimit = (bytes: number) => paddedAttachmentSize(bytes);

/**
 * SECURITY: the metadata must be signed by the caller, with the key readers will check it
 * against: the ticket's requester key, or the member's key the key log certifies.
 */
async function assertMetaSignedBy(db: Db, u: Uploader, ticketId: string, attachmentId: string, meta: unknown): Promise<void> {
  const signPk = u.type === 'staff' ? await admittedSignPk(db, u.staffId) : await requesterSignPkOf(db, u.requesterId);
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
export async function createAttachment(
  db: Db,
  limits: AttachmentLimits,
  a: { ticketId: string; uploader: Uploader; body: CreateAttachmentBody; createdAt: number },
): Promise<{ status: AttachmentStatus; created: boolean }> {
  const { attachmentId, meta, paddedSize, chunkBytes, chunkCount } = a.body;
  if (chunkCount !== attachmentChunkCount(paddedSize, chunkBytes)) {
    throw badRequest('bad_chunk_count', `${paddedSize} bytes in chunks of ${chunkBytes} make ${attachmentChunkCount(paddedSize, chunkBytes)} chunks`);
  }
  if (!isPaddedAttachmentSize(paddedSize)) throw badRequest('bad_padded_size', `${paddedSize} is not a size bucket (PROTOCOL.md §5.1)`);
  if (paddedSize > paddedLimit(limits.maxAttachmentBytes)) throw payloadTooLarge(`attachments are limited to ${limits.maxAttachmentBytes} bytes`);
  const { tickets } = tables(db);
  const [ticket] = await db.select({ status: tickets.status }).from(tickets).where(eq(tickets.id, a.ticketId));
  if (!ticket) throw notFound('no such ticket');
  if (ticket.status === 'closed') throw conflict('this request is closed; open a new one', 'ticket_closed');
  await assertMetaSignedBy(db, a.uploader, a.ticketId, attachmentId, meta);

  const metaText = JSON.stringify(meta);
  // SECURITY: check and insert in one transaction (a savepoint inside the group commit, which
  // holds the write lock), or two parallel uploads could each see room under the ticket quota.
  return transaction(db, async (tx) => {
    const { attachments } = tables(tx);
    const [existing] = await tx
      .select({ ...columns(tx), ticketId: attachments.ticketId })
      .from(attachments)
      .where(eq(attachments.id, attachmentId));
    if (existing) {
      const same =
        existing.ticketId === a.ticketId &&
        sameUploader(existing, a.uploader) &&
        existing.meta === metaText &&
        existing.paddedSize === paddedSize &&
        existing.chunkBytes === chunkBytes;
      if (!same) throw conflict('an attachment with this id already exists');
      return { status: await withStatus(tx, existing), created: false };
    }
    // Unfinished uploads count too: a reservation is how the quota stops an endless upload.
    const [{ n } = { n: 0 }] = await tx
      .select({ n: sql<number>`cast(coalesce(sum(${attachments.paddedSize}), 0) as integer)` })
      .from(attachments)
      .where(eq(attachments.ticketId, a.ticketId));
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
    await tx.insert(attachments).values({
      id: attachmentId,
      ticketId: a.ticketId,
      uploaderType: row.uploaderType,
      uploaderStaffId: row.uploaderStaffId,
      meta: row.meta,
      paddedSize,
      chunkBytes,
      chunkCount,
      completedAt: null,
      createdAt: row.createdAt,
    });
    return { status: { ...toWire(row), storedChunks: [] }, created: true };
  });
}

export async function attachmentStatus(db: Db, ticketId: string, attachmentId: string): Promise<AttachmentStatus> {
  return withStatus(db, await loadRow(db, ticketId, attachmentId));
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

export async function chunkUploadTarget(db: Db, ticketId: string, attachmentId: string, index: number, uploader: Uploader): Promise<ChunkTarget> {
  // SECURITY: the ticket id is part of the lookup (as in loadRow), and the uploader is checked on
  // this very row: the per-request authorisation of the object is never skipped.
  const row = await first(chunkStatements(db).uploadTarget.execute({ attachmentId, ticketId, idx: index }));
  if (!row) throw notFound('no such attachment');
  assertUploader(row, uploader);
  checkIndex(row, index);
  // A completed attachment is immutable: a download must get what the uploader completed.
  if (row.completedAt !== null) throw conflict('the attachment is already complete', 'attachment_complete');
  return { attachmentId, index, expectedBytes: chunkCipherBytes(row.paddedSize, row.chunkBytes, index), alreadyStored: row.storedIdx !== null };
}

function checkIndex(row: Pick<Row, 'chunkCount'>, index: number): void {
  if (index >= row.chunkCount) throw badRequest('chunk_out_of_range', `chunk index must be below ${row.chunkCount}`);
}

/** Stores one chunk whose length the route has checked; a chunk stored meanwhile is kept as is. Run inside group commit. */
export async function storeChunk(db: Db, target: ChunkTarget, data: Buffer): Promise<void> {
  if (data.length !== target.expectedBytes) throw badRequest('bad_chunk_size', `chunk ${target.index} must be exactly ${target.expectedBytes} bytes`);
  // The attachment may have been completed or deleted (cleanup) while the body streamed in.
  const statements = chunkStatements(db);
  const row = await first(statements.completedAt.execute({ attachmentId: target.attachmentId }));
  if (!row) throw notFound('no such attachment');
  if (row.completedAt !== null) throw conflict('the attachment is already complete', 'attachment_complete');
  await statements.insertChunk.execute({ attachmentId: target.attachmentId, idx: target.index, data });
}

/** Marks the attachment complete once every chunk is stored; idempotent. Run inside group commit. */
export async function completeAttachment(db: Db, ticketId: string, attachmentId: string, uploader: Uploader, now: number): Promise<Attachment> {
  const row = await loadRow(db, ticketId, attachmentId);
  assertUploader(row, uploader);
  if (row.completedAt !== null) return toWire(row);
  // Chunk lengths were checked on the way in, so a full count means exactly the declared body.
  const { attachments, attachmentChunks } = tables(db);
  const [{ n } = { n: 0 }] = await db.select({ n: count() }).from(attachmentChunks).where(eq(attachmentChunks.attachmentId, attachmentId));
  if (n !== row.chunkCount) throw conflict(`${row.chunkCount - n} of ${row.chunkCount} chunks are missing`, 'attachment_incomplete');
  await db
    .update(attachments)
    .set({ completedAt: now })
    .where(and(eq(attachments.id, attachmentId), isNull(attachments.completedAt)));
  return toWire({ ...row, completedAt: now });
}

export async function listAttachments(db: Db, ticketId: string): Promise<Attachment[]> {
  const { attachments } = tables(db);
  // Upload order within a second: SQLite's rowid; PostgreSQL has none, so the id breaks the tie.
  const tieBreak = dialectOf(db) === 'sqlite' ? sql`rowid` : attachments.id;
  const rows = await db.select(columns(db)).from(attachments).where(eq(attachments.ticketId, ticketId)).orderBy(asc(attachments.createdAt), asc(tieBreak));
  return rows.map(toWire);
}

/** One sealed chunk of a completed attachment (the stored Buffer itself: the route sends it as is). */
export async function getChunk(db: Db, ticketId: string, attachmentId: string, index: number): Promise<Buffer> {
  // SECURITY: looked up within the ticket the caller was authorised for (as loadRow).
  const row = await first(chunkStatements(db).chunkData.execute({ attachmentId, ticketId, idx: index }));
  if (!row) throw notFound('no such attachment');
  checkIndex(row, index);
  if (row.completedAt === null) throw conflict('the attachment is not complete yet', 'attachment_incomplete');
  if (!row.data) throw notFound('no such chunk');
  return row.data;
}

/**
 * Chunk bytes the connection may pass through SQLite's page cache before its unused pages are
 * released. A chunk's pages are written once and read rarely, but SQLite keeps every page it
 * touched in the connection's cache (64 MiB, db/client.ts): a 25 MiB upload or download filled it
 * with the file — ~60 MiB of server RSS (bench/attachments.ts) — and pushed out the index pages
 * the queue and the session checks live on. Releasing after every 8 MiB bounds what attachments
 * hold there to about that; the cost is re-reading those hot pages (from the OS cache) a few
 * times per file. DECISIONS.md "Attachment throughput".
 */
export const CHUNK_CACHE_BYTES = 8 * 1024 * 1024;
const chunkBytesSinceRelease = new WeakMap<Db, number>();

/** Counts chunk bytes stored or read on `db`; every CHUNK_CACHE_BYTES, frees SQLite's unused cache pages. */
export async function afterChunkIo(db: Db, bytes: number): Promise<void> {
  // PostgreSQL's buffers are the database server's, not this process's.
  if (dialectOf(db) !== 'sqlite') return;
  const total = (chunkBytesSinceRelease.get(db) ?? 0) + bytes;
  chunkBytesSinceRelease.set(db, total >= CHUNK_CACHE_BYTES ? 0 : total);
  // sqlite3_db_release_memory: frees clean, unused pages only; an open transaction keeps its own.
  if (total >= CHUNK_CACHE_BYTES) await rawExec(db, sql`pragma shrink_memory`);
}
