// ticket_counts on PostgreSQL: the triggers of db/migrations-pg/0002 keep it equal to a fresh
// count of the tickets after inserts, triage updates, a staff member's deletion (assignee set
// null by the foreign key) and a requester's deletion (cascade), as 0005 does on SQLite; and the
// triggers of 0004 keep ticket_labels' copies of the ticket (the label views' pages and counts)
// equal to it through the same writes, and through a tag added while the ticket changes.
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPgDb, type OpenedPgDb } from '../../db/pg';
import { requesters, staff, ticketLabels, tickets } from '../../db/schema-pg';
import { asDb } from '../../server/services/data';
import { countByStatus } from '../../server/services/queue-counts';
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

/** A staff row; the counts need only its id. */
const staffRowOf = () =>
  ({
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
  }) as const;

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
    const staffRow = staffRowOf();
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

/** ticket_labels' copies beside the ticket's own values, rows that differ only. */
async function staleCopies(): Promise<unknown[]> {
  const { rows } = await opened.pool.query(
    `SELECT l.ticket_seq, l.tag FROM ticket_labels l JOIN tickets t ON t.seq = l.ticket_seq
      WHERE (l.status, l.priority, l.updated_at) IS DISTINCT FROM (t.status, t.priority, t.updated_at) OR l.assignee_id IS DISTINCT FROM t.assignee_id`,
  );
  return rows;
}

describe("ticket_labels' copies of the ticket on PostgreSQL", () => {
  it('follow inserts, triage, activity, a set-null and a cascade, and give exact label counts', async () => {
    const { db } = opened;
    await db.insert(staff).values({ ...staffRowOf(), id: 'ann', username: 'ann' });
    await db.insert(requesters).values({ id: 'r3', boxPk: 'b', signPk: 's3', createdAt: 1 });
    const seqs = (
      await db
        .insert(tickets)
        .values(['e', 'f', 'g'].map((id, i) => ({ id, requesterId: 'r3', status: 'open' as const, assigneeId: i ? 'ann' : null, createdAt: 1, updatedAt: 10 + i })))
        .returning({ seq: tickets.seq })
    ).map((r) => r.seq);
    await db.insert(ticketLabels).values(seqs.map((ticketSeq) => ({ ticketSeq, tag: 'urgent-help' })));
    await db.insert(ticketLabels).values({ ticketSeq: seqs[0]!, tag: 'phishing' });
    expect(await staleCopies()).toEqual([]);
    const [copy] = (await opened.pool.query('SELECT status, assignee_id, updated_at FROM ticket_labels WHERE ticket_seq = $1 AND tag = $2', [seqs[1], 'urgent-help'])).rows;
    expect(copy).toEqual({ status: 'open', assignee_id: 'ann', updated_at: '11' });

    const pgDb = asDb(db);
    expect(await countByStatus(pgDb, { label: 'urgent-help' })).toMatchObject({ open: 3, new: 0 });
    expect(await countByStatus(pgDb, { label: 'urgent-help', assigneeId: 'ann' })).toMatchObject({ open: 2 });
    expect(await countByStatus(pgDb, { label: 'urgent-help', assigneeId: null })).toMatchObject({ open: 1 });

    await db.update(tickets).set({ status: 'resolved', priority: 'high' }).where(eq(tickets.seq, seqs[1]!));
    await db.update(tickets).set({ updatedAt: 99 }).where(eq(tickets.seq, seqs[0]!)); // a reply: activity only
    expect(await staleCopies()).toEqual([]);
    expect(await countByStatus(pgDb, { label: 'urgent-help' })).toMatchObject({ open: 2, resolved: 1 });
    expect(await countByStatus(pgDb, { label: 'urgent-help', priority: 'high' })).toMatchObject({ open: 0, resolved: 1 });

    await db.delete(staff).where(eq(staff.id, 'ann')); // assignee_id → NULL by the foreign key, copied
    expect(await staleCopies()).toEqual([]);
    expect(await countByStatus(pgDb, { label: 'urgent-help', assigneeId: null })).toMatchObject({ open: 2, resolved: 1 });
    await db.delete(requesters).where(eq(requesters.id, 'r3')); // the tickets and their tags go by cascade
    expect(await countByStatus(pgDb, { label: 'urgent-help' })).toMatchObject({ open: 0, resolved: 0 });
  });

  it('copy the committed ticket when a tag is added while another transaction changes it', async () => {
    const { db } = opened;
    await db.insert(requesters).values({ id: 'r4', boxPk: 'b', signPk: 's4', createdAt: 1 });
    const [row] = await db.insert(tickets).values({ id: 'h', requesterId: 'r4', createdAt: 1, updatedAt: 1 }).returning({ seq: tickets.seq });
    const triage = await opened.pool.connect();
    const tagger = await opened.pool.connect();
    try {
      // Read committed, as a plain statement outside the services' transactions runs.
      await triage.query('BEGIN');
      await triage.query("UPDATE tickets SET status = 'closed', updated_at = 50 WHERE seq = $1", [row!.seq]);
      // The tag's insert waits on the ticket's row lock (the trigger reads it FOR SHARE) ...
      const tagged = tagger.query("INSERT INTO ticket_labels (ticket_seq, tag) VALUES ($1, 'late')", [row!.seq]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await triage.query('COMMIT');
      await tagged;
      // ... and copies what the triage committed, not the status it would have read before.
      const { rows } = await opened.pool.query("SELECT status, updated_at FROM ticket_labels WHERE ticket_seq = $1 AND tag = 'late'", [row!.seq]);
      expect(rows).toEqual([{ status: 'closed', updated_at: '50' }]);
      expect(await staleCopies()).toEqual([]);
    } finally {
      triage.release();
      tagger.release();
    }
  });
});
