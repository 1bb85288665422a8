// ticket_counts on PostgreSQL: the triggers of db/migrations-pg/0002 keep it equal to a fresh
// count of the tickets after inserts, triage updates, a staff member's deletion (assignee set
// null by the foreign key) and a requester's deletion (cascade), as 0005 does on SQLite.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb, type OpenedPgDb } from '../../db/pg';
import { requesters, staff, tickets } from '../../db/schema-pg';
import { testDatabase, type TestDatabase } from '../helpers/postgres';

let target: TestDatabase;
let opened: OpenedPgDb;
beforeAll(async () => {
  target = await testDatabase();
  opened = await openPgDb(target.url);
});
afterAll(async () => {
  await opened?.close();
  await target?.drop();
});

/** The maintained table and a fresh GROUP BY of the tickets, rows with n = 0 left out. */
async function bothCounts(): Promise<{ kept: string[]; fresh: string[] }> {
  const kept = await opened.pool.query("SELECT status || '/' || priority || '/' || assignee || '=' || n AS row FROM ticket_counts WHERE n <> 0 ORDER BY 1");
  const fresh = await opened.pool.query(
    "SELECT status || '/' || priority || '/' || coalesce(assignee_id, '') || '=' || count(*) AS row FROM tickets GROUP BY status, priority, assignee_id ORDER BY 1",
  );
  return { kept: kept.rows.map((r: { row: string }) => r.row), fresh: fresh.rows.map((r: { row: string }) => r.row) };
}

describe('ticket_counts triggers on PostgreSQL', () => {
  it('stay exact through inserts, triage, a set-null and a cascade', async () => {
    const { db } = opened;
    const staffRow = {
      role: 'technician',
      kdfSalt: 's',
      kdfOpslimit: 1,
      kdfMemlimit: 8192,
      authHash: 'h',
      boxPk: 'b',
      signPk: 's',
      keyBlob: 'k',
      createdAt: 1,
      updatedAt: 1,
    } as const;
    await db.insert(staff).values({ ...staffRow, id: 'tom', username: 'tom' });
    await db.insert(requesters).values([
      { id: 'r1', boxPk: 'b', signPk: 's1', createdAt: 1 },
      { id: 'r2', boxPk: 'b', signPk: 's2', createdAt: 1 },
    ]);
    await db.insert(tickets).values(['a', 'b', 'c', 'd'].map((id, i) => ({ id, requesterId: i < 3 ? 'r1' : 'r2', createdAt: 1, updatedAt: 1 })));
    expect((await bothCounts()).kept).toEqual(['new/normal/=4']);

    await db.update(tickets).set({ status: 'open', assigneeId: 'tom' }).where(eq(tickets.id, 'a'));
    await db
      .update(tickets)
      .set({ priority: 'urgent' })
      .where(sql`${tickets.id} in ('b', 'd')`);
    await db.update(tickets).set({ updatedAt: 2 }).where(eq(tickets.id, 'c')); // not a counted column
    let counts = await bothCounts();
    expect(counts.kept).toEqual(counts.fresh);
    expect(counts.kept).toEqual(['new/normal/=1', 'new/urgent/=2', 'open/normal/tom=1']);

    await db.delete(staff).where(eq(staff.id, 'tom')); // assignee_id → NULL by the foreign key
    await db.delete(requesters).where(eq(requesters.id, 'r2')); // ticket d goes by cascade
    counts = await bothCounts();
    expect(counts.kept).toEqual(counts.fresh);
    expect(counts.kept).toEqual(['new/normal/=1', 'new/urgent/=1', 'open/normal/=1']);
  });
});
