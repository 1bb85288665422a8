import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb, type OpenedPgDb } from '../../../db/pg';
import { attachments, requesters, tickets } from '../../../db/schema-pg';
import { afterChunkIo, chunkUploadTarget, getChunk, storeChunk } from '../../../server/services/attachments';
import { asDb, transaction, type Db } from '../../../server/services/data';
import { testDatabase, type TestDatabase } from '../../helpers/postgres';

// The chunk routes' one-statement lookups (upload target, chunk bytes) on PostgreSQL, where they
// are named prepared statements over a left join; the SQLite side is every other attachment suite.
let target: TestDatabase;
let opened: OpenedPgDb;
let db: Db;
const CHUNK = 65_536;
const requester = { type: 'requester', requesterId: 'r' } as const;

beforeAll(async () => {
  target = await testDatabase();
  opened = await openPgDb(target.url);
  db = asDb(opened.db);
  await opened.db.insert(requesters).values({ id: 'r', boxPk: 'b', signPk: 's', createdAt: 1 });
  await opened.db.insert(tickets).values([
    { id: 't', requesterId: 'r', createdAt: 1, updatedAt: 1 },
    { id: 'other', requesterId: 'r', createdAt: 1, updatedAt: 1 },
  ]);
  await opened.db
    .insert(attachments)
    .values({ id: 'a', ticketId: 't', uploaderType: 'requester', meta: '{}', paddedSize: 2 * CHUNK, chunkBytes: CHUNK, chunkCount: 2, createdAt: 1 });
});

afterAll(async () => {
  await opened?.close();
  await target?.drop();
});

describe('chunk statements on PostgreSQL', () => {
  it('finds the upload target, stores a chunk once, and serves it only after completion, within its ticket', async () => {
    // Given an unfinished two-chunk attachment
    const first = await chunkUploadTarget(db, 't', 'a', 0, requester);
    expect(first).toEqual({ attachmentId: 'a', index: 0, expectedBytes: CHUNK + 40, alreadyStored: false });

    // When chunk 0 is stored
    const bytes = randomBytes(CHUNK + 40);
    await transaction(db, (tx) => storeChunk(tx, first, bytes));
    await afterChunkIo(db, bytes.length); // no page cache of ours to release on PostgreSQL

    // Then a retry is acknowledged without a rewrite, and chunk 1 is still expected
    expect((await chunkUploadTarget(db, 't', 'a', 0, requester)).alreadyStored).toBe(true);
    expect((await chunkUploadTarget(db, 't', 'a', 1, requester)).alreadyStored).toBe(false);
    // And the object checks hold: another uploader, another ticket, an index past the end
    await expect(chunkUploadTarget(db, 't', 'a', 0, { type: 'staff', staffId: 's' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(chunkUploadTarget(db, 'other', 'a', 0, requester)).rejects.toMatchObject({ code: 'not_found' });
    await expect(chunkUploadTarget(db, 't', 'a', 2, requester)).rejects.toMatchObject({ code: 'chunk_out_of_range' });
    // And nothing is served before completion; afterwards the stored bytes, and 404 for a missing chunk
    await expect(getChunk(db, 't', 'a', 0)).rejects.toMatchObject({ code: 'attachment_incomplete' });
    await opened.db.update(attachments).set({ completedAt: 2 }).where(eq(attachments.id, 'a'));
    expect(Buffer.compare(await getChunk(db, 't', 'a', 0), bytes)).toBe(0);
    await expect(getChunk(db, 't', 'a', 1)).rejects.toMatchObject({ code: 'not_found' });
    await expect(getChunk(db, 'other', 'a', 0)).rejects.toMatchObject({ code: 'not_found' });
  });
});
