import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openPgDb } from '../../db/pg';
import { desk, tickets, requesters, attachments, attachmentChunks } from '../../db/schema-pg';
import { testDatabase, type TestDatabase } from '../helpers/postgres';

const dbs: TestDatabase[] = [];
afterAll(async () => {
  for (const d of dbs) await d.drop();
});

describe('openPgDb', () => {
  it('migrates an empty database at open, and a second open (another node) finds nothing to apply', async () => {
    const target = await testDatabase('empty');
    dbs.push(target);
    const [a, b] = await Promise.all([openPgDb(target.url), openPgDb(target.url)]);
    try {
      const applied = await a.pool.query('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      expect(applied.rows[0].n).toBeGreaterThan(0);
      const tables = await b.pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'");
      expect(tables.rows[0].n).toBeGreaterThan(20);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('reads integers as numbers, booleans as booleans and blobs as Buffers, as the SQLite tables do', async () => {
    const target = await testDatabase();
    dbs.push(target);
    const { db, close } = await openPgDb(target.url);
    try {
      const ms = 1_764_590_000_123; // milliseconds exceed 2^31
      await db.insert(desk).values({ id: 1, deskId: 'd', createdAt: ms });
      await db.insert(requesters).values({ id: 'r', boxPk: 'b', signPk: 's', createdAt: 1 });
      const [t] = await db.insert(tickets).values({ id: 't', requesterId: 'r', createdAt: 1, updatedAt: 1 }).returning({ seq: tickets.seq });
      expect(t?.seq).toBe(1);
      await db.insert(attachments).values({ id: 'a', ticketId: 't', meta: 'm', chunkCount: 1, createdAt: 1 });
      const data = Buffer.from([0, 1, 2, 255]);
      await db.insert(attachmentChunks).values({ attachmentId: 'a', idx: 0, data });
      const [row] = await db.select().from(desk);
      expect(row).toMatchObject({ createdAt: ms, twoFactorRequired: false });
      const [chunk] = await db.select().from(attachmentChunks);
      expect(Buffer.isBuffer(chunk?.data)).toBe(true);
      expect(chunk?.data.equals(data)).toBe(true);
      // SECURITY: the checks hold on PostgreSQL too.
      await expect(db.insert(desk).values({ id: 2, deskId: 'x', createdAt: 1 })).rejects.toThrow();
      await expect(db.execute(sql`INSERT INTO wraps (ticket_id, key_kind, recipient, sealed) VALUES ('t', 'note', 'requester', 's')`)).rejects.toThrow();
    } finally {
      await close();
    }
  });
});
