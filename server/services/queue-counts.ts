import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { tickets } from '../../db/schema';
import { TICKET_STATUSES } from '../../db/schema';
import { dialectOf, rawRows, tables, type Db } from './data';

export type StatusCounts = Record<(typeof TICKET_STATUSES)[number], number>;

/** The filters counts honour (every queue filter but status). */
export interface CountFilters {
  priority?: (typeof tickets.$inferSelect)['priority'];
  /** A staff id, or `null` for unassigned. */
  assigneeId?: string | null;
}

interface Entry {
  stamp: string;
  counts: StatusCounts;
}

const MAX_ENTRIES = 256;
const caches = new WeakMap<Db, Map<string, Entry>>();

/**
 * Exact counts per status for the queue. Without a label they are summed from ticket_counts,
 * which triggers keep exact in the same statement as every ticket write (db/schema/tickets.ts,
 * SQLite migration 0005, PostgreSQL migrations-pg 0002): at most statuses × priorities ×
 * (staff + 1) rows, read fresh on every request, so concurrent writes (on any node) can never
 * leave them stale and no cache is needed.
 *
 * With a label, the count is a pass over the tag's index entries (only tickets carrying it, with
 * `where`: the page's filter conditions on tickets but status). On SQLite it is cached per
 * filter and dropped the moment the database changes: the stamp combines total_changes() (every
 * write on this connection, whichever route made it) and PRAGMA data_version (commits by any
 * other connection: the CLI, a backup restore). PostgreSQL has no such cheap stamp of "anything
 * changed" that covers other nodes' commits, so there it is computed on every call.
 */
export async function countByStatus(db: Db, key: string, f: CountFilters, label: string | undefined, where: SQL[]): Promise<StatusCounts> {
  const { tickets, ticketLabels, ticketCounts } = tables(db);
  const counts = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as StatusCounts;
  if (label === undefined) {
    const cells: SQL[] = [];
    if (f.priority !== undefined) cells.push(eq(ticketCounts.priority, f.priority));
    if (f.assigneeId !== undefined) cells.push(eq(ticketCounts.assignee, f.assigneeId ?? ''));
    // The cast: PostgreSQL's sum() of an integer is a bigint, which node-postgres hands over as a string.
    const rows = await db
      .select({ status: ticketCounts.status, n: sql<number>`cast(sum(${ticketCounts.n}) as integer)` })
      .from(ticketCounts)
      .where(and(...cells))
      .groupBy(ticketCounts.status);
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }

  const stamp = dialectOf(db) === 'sqlite' ? await changeStamp(db) : undefined;
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const hit = cache.get(key);
  if (stamp !== undefined && hit && hit.stamp === stamp) return { ...hit.counts };

  // Driven from the tag's index entries, as in listQueue: only carrying tickets are read.
  const rows = await db
    .select({ status: tickets.status, n: sql<number>`cast(count(*) as integer)` })
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
