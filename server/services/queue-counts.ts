import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { TICKET_STATUSES, ticketCounts, ticketLabels, tickets } from '../../db/schema';

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
 * migration 0005): at most statuses × priorities × (staff + 1) rows, read fresh on every
 * request, so concurrent writes can never leave them stale and no cache is needed.
 *
 * With a label, the count is a pass over the tag's index entries (only tickets carrying it, with
 * `where`: the page's filter conditions on tickets but status),
 * cached per filter and dropped the moment the database changes: the stamp combines
 * total_changes() (every write on this connection, whichever route made it) and PRAGMA
 * data_version (commits by any other connection: the CLI, a backup restore).
 */
export function countByStatus(db: Db, key: string, f: CountFilters, label: string | undefined, where: SQL[]): StatusCounts {
  const counts = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as StatusCounts;
  if (label === undefined) {
    const cells: SQL[] = [];
    if (f.priority !== undefined) cells.push(eq(ticketCounts.priority, f.priority));
    if (f.assigneeId !== undefined) cells.push(eq(ticketCounts.assignee, f.assigneeId ?? ''));
    for (const r of db
      .select({ status: ticketCounts.status, n: sql<number>`sum(${ticketCounts.n})` })
      .from(ticketCounts)
      .where(and(...cells))
      .groupBy(ticketCounts.status)
      .all())
      counts[r.status] = r.n;
    return counts;
  }

  const stamp = changeStamp(db);
  let cache = caches.get(db);
  if (!cache) caches.set(db, (cache = new Map()));
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return { ...hit.counts };

  // Driven from the tag's index entries, as in listQueue: only carrying tickets are read.
  for (const r of db
    .select({ status: tickets.status, n: sql<number>`count(*)` })
    .from(ticketLabels)
    .crossJoin(tickets)
    .where(and(eq(ticketLabels.tag, label), eq(tickets.seq, ticketLabels.ticketSeq), ...where))
    .groupBy(tickets.status)
    .all())
    counts[r.status] = r.n;

  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, { stamp, counts });
  return { ...counts };
}

function changeStamp(db: Db): string {
  const row = db.get<{ changes: number; version: number }>(sql`select total_changes() as changes, (select data_version from pragma_data_version) as version`);
  return `${row.version}:${row.changes}`;
}
