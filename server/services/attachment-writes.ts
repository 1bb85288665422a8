// An attachment chunk's write as a write procedure (writer-procedures.ts): on SQLite it runs in
// the writer thread, so the blob's page-by-page insert, its COMMIT (a 1 MiB chunk is ~257 WAL
// frames) and the fsync no longer run on the event loop (docs/DECISIONS.md "Attachment
// throughput", 2026-12-01 third pass). On PostgreSQL, or SQLite without the thread, the db plugin
// runs this same function inline on the app's handle.
import { MessageChannel } from 'node:worker_threads';
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
 *
 * In the writer thread it answers with the chunk's ArrayBuffer, to be transferred back: SQLite
 * copied the bound blob, so the route's buffer pool takes the same memory for its next chunk of
 * this length, and a steady upload allocates nothing per chunk in either thread (each 1 MiB
 * allocation counted toward both heaps' collections). Inline it answers undefined: the route's
 * own Buffer never left.
 */
export async function writeChunk(db: Db, { target, data }: ChunkWrite): Promise<ArrayBuffer | undefined> {
  // Inline, the route's own Buffer (it reuses it afterwards); in the writer thread, a Uint8Array
  // over the transferred ArrayBuffer, which is this call's alone.
  const transferred = !Buffer.isBuffer(data);
  const bytes = transferred ? Buffer.from(data.buffer, data.byteOffset, data.byteLength) : data;
  try {
    await transaction(db, (tx) => storeChunk(tx, target, bytes));
    // This connection's page cache held the chunk's pages: released every CHUNK_CACHE_BYTES here too.
    await afterChunkIo(db, bytes.length);
  } catch (err) {
    if (transferred) freeNow(data.buffer as ArrayBuffer);
    throw err;
  }
  return transferred ? (data.buffer as ArrayBuffer) : undefined;
}

/**
 * Frees a refused chunk's memory now instead of at this thread's next garbage collection: the
 * writer's small heap seldom collects, and chunks waiting for it showed in the server's RSS
 * (+32–40 MiB during a 25 MiB upload against +4–7 MiB freed at once, bench/attachments.ts). Transferring the buffer into a message that is never delivered detaches
 * it, and closing the channel drops the message with its memory.
 */
function freeNow(buffer: ArrayBuffer): void {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [buffer]);
  port1.close();
  port2.close();
}
