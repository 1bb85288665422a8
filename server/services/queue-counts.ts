import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { tickets } from '../../db/schema';
import { TICKET_STATUSES } from '../../db/schema';
import { tables, type Db } from './data';

export type StatusCounts = Record<(typeof TICKET_STATUSES)[number], number>;

/** The filters counts honour (every queue filter but status). */
export interface CountFilters {
  priority?: (typeof tickets.$inferSelect)['priority'];
  /** A staff id, or `null` for unassigned. */
  assigneeId?: string | null;
  /** One blind label tag. */
  label?: string;
}

/**
 * Exact counts per status for the queue, read fresh on every request on both dialects, so
 * concurrent writes (on any node, or another connection: the CLI, a restore) can never leave them
 * stale and no cache is kept:
 * - without a label, summed from ticket_counts, which triggers keep exact in the same statement as
 *   every ticket write (SQLite migration 0005, PostgreSQL migrations-pg 0002): at most
 *   statuses × priorities × (staff + 1) rows;
 * - with a label, a covering range scan of ticket_labels_tag_counts_idx over the copies of
 *   status, priority and assignee that the triggers of migration 0007 (migrations-pg 0004) keep
 *   in ticket_labels: one index entry per ticket carrying the tag, never a ticket row.
 */
export async function countByStatus(db: Db, f: CountFilters): Promise<StatusCounts> {
  const { ticketLabels, ticketCounts } = tables(db);
  const counts = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as StatusCounts;
  if (f.label === undefined) {
    const cells: SQL[] = [];
    if (f.priority !== undefined) cells.push(eq(ticketCounts.priority, f.priority));
    if (f.assigneeId !== undefined) cells.push(eq(ticketCounts.assignee, f.assigneeId ?? ''));
    // The casts: PostgreSQL's sum() and count() are numeric/bigint, which node-postgres hands over as strings.
    const rows = await db
      .select({ status: ticketCounts.status, n: sql<number>`cast(sum(${ticketCounts.n}) as integer)` })
      .from(ticketCounts)
      .where(and(...cells))
      .groupBy(ticketCounts.status);
    for (const r of rows) counts[r.status] = r.n;
    return counts;
  }
  const entries: SQL[] = [eq(ticketLabels.tag, f.label)];
  if (f.priority !== undefined) entries.push(eq(ticketLabels.priority, f.priority));
  if (f.assigneeId === null) entries.push(isNull(ticketLabels.assigneeId));
  else if (f.assigneeId !== undefined) entries.push(eq(ticketLabels.assigneeId, f.assigneeId));
  const rows = await db
    .select({ status: ticketLabels.status, n: sql<number>`cast(count(*) as integer)` })
    .from(ticketLabels)
    .where(and(...entries))
    .groupBy(ticketLabels.status);
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
