// An attachment chunk's write as a write procedure (writer-procedures.ts): on SQLite it runs in
// the writer thread, so the blob's page-by-page insert, its COMMIT (a 1 MiB chunk is ~257 WAL
// frames) and the fsync no longer run on the event loop (docs/DECISIONS.md "Attachment
// throughput", 2026-12-01 third pass). On PostgreSQL, or SQLite without the thread, the db plugin
// runs this same function inline on the app's handle.
import { afterChunkIo, storeChunk, type ChunkTarget } from './attachments';
import { transaction, type Db } from './data';

export interface ChunkWrite {
  /** What the route checked on the row before reading the body (uploader, ticket, index, length). */
  target: ChunkTarget;
  /**
   * The sealed chunk, exactly `target.expectedBytes` long. To the writer thread its ArrayBuffer is
   * transferred, not copied, so it arrives as a plain Uint8Array (structured clone drops Buffer).
   */
  data: Uint8Array;
}

/**
 * Stores one chunk in its own savepoint of the connection's group commit; settles once durable
 * (writer thread: COMMIT under synchronous = FULL; inline: the durability barrier before the 204).
 * storeChunk re-checks, inside the write lock, that the attachment still exists and is not
 * complete: it may have changed while the body streamed in or while this write waited.
 */
export async function writeChunk(db: Db, { target, data }: ChunkWrite): Promise<void> {
  const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  await transaction(db, (tx) => storeChunk(tx, target, bytes));
  // This connection's page cache held the chunk's pages: released every CHUNK_CACHE_BYTES here too.
  await afterChunkIo(db, bytes.length);
}
