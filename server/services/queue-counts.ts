import { and, eq, sql, type SQL } from 'drizzle-orm';
import { TICKET_STATUSES } from '../../db/schema';
import { dialectOf, rawRows, tables, type Db } from './data';

export type StatusCounts = Record<(typeof TICKET_STATUSES)[number], number>;

interface Entry {
  stamp: string;
  counts: StatusCounts;
}

const MAX_ENTRIES = 256;
const caches = new WeakMap<Db, Map<string, Entry>>();

/**
 * Exact counts per status cost a pass over every matching index entry (tens of ms at 100k
 * tickets), and every technician's queue view asks for them. They are cached per filter and
 * dropped the moment the database changes: the stamp combines total_changes() (every write on
 * this connection, whichever route made it) and PRAGMA data_version (commits by any other
 * connection: the CLI, a backup restore). So a count is never stale; it is only recomputed
 * after a write.
 * PostgreSQL has no such cheap stamp of "anything changed" that covers other nodes' commits, so
 * there the counts are computed on every call (never stale, whichever node wrote).
 */
export async function countByStatus(db: Db, key: string, where: SQL[], label: string | undefined): Promise<StatusCounts> {
  const stamp = dialectOf(db) === 'sqlite' ? await changeStamp(db) : undefined;
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const hit = cache.get(key);
  if (stamp !== undefined && hit && hit.stamp === stamp) return { ...hit.counts };
  const { tickets, ticketLabels } = tables(db);

  const counts = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as StatusCounts;
  const columns = { status: tickets.status, n: sql<number>`cast(count(*) as integer)` };
  const rows =
    label === undefined
      ? await db
          .select(columns)
          .from(tickets)
          .where(and(...where))
          .groupBy(tickets.status)
      : // Driven from the tag's index entries, as in listQueue: only carrying tickets are read.
        await db
          .select(columns)
          .from(ticketLabels)
          .crossJoin(tickets)
          .where(and(eq(ticketLabels.tag, label), eq(tickets.seq, ticketLabels.ticketSeq), ...where))
          .groupBy(tickets.status);
  for (const r of rows) counts[r.status] = r.n;

  if (stamp === undefined) return counts;
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, { stamp, counts });
  return { ...counts };
}

async function changeStamp(db: Db): Promise<string> {
  const [row] = await rawRows<{ changes: number; version: number }>(db, sql`select total_changes() as changes, (select data_version from pragma_data_version) as version`);
  return `${row?.version}:${row?.changes}`;
}
