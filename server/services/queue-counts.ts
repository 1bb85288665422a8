import { and, eq, isNull, sql, type SQL } from 'drizzle-orm';
import type { tickets } from '../../db/schema';
import { TICKET_STATUSES } from '../../db/schema';
import { tables, type Db } from './data';
import { prepareAs, preparedPer } from './prepared';

export type StatusCounts = Record<(typeof TICKET_STATUSES)[number], number>;

/** The filters counts honour (every queue filter but status). */
export interface CountFilters {
  priority?: (typeof tickets.$inferSelect)['priority'];
  /** A staff id, or `null` for unassigned. */
  assigneeId?: string | null;
  /** One blind label tag. */
  label?: string;
}

type CountRow = { status: (typeof TICKET_STATUSES)[number]; n: number };
interface CountStatement {
  execute(params: Record<string, unknown>): Promise<CountRow[]>;
}

/**
 * Which filters a count has: one prepared statement per combination (at most 2 × 2 × 3), built
 * and compiled on first use, its values bound per request (prepared.ts: building and compiling
 * cost more than running these statements).
 */
function countShape(f: CountFilters): string {
  const assignee = f.assigneeId === undefined ? 'any' : f.assigneeId === null ? 'none' : 'one';
  return `${f.label === undefined ? 'all' : 'tag'}_${f.priority === undefined ? 'any' : 'pri'}_${assignee}`;
}

const countStatements = preparedPer((db) => {
  const byShape = new Map<string, CountStatement>();
  return (shape: string, f: CountFilters): CountStatement => {
    let statement = byShape.get(shape);
    if (statement === undefined) {
      statement = buildCount(db, shape, f);
      byShape.set(shape, statement);
    }
    return statement;
  };
});

function buildCount(db: Db, shape: string, f: CountFilters): CountStatement {
  const { ticketLabels, ticketCounts } = tables(db);
  const P = sql.placeholder;
  if (f.label === undefined) {
    const cells: SQL[] = [];
    if (f.priority !== undefined) cells.push(eq(ticketCounts.priority, P('priority')));
    // ticket_counts keys the unassigned tickets under '' (a primary key column cannot be null).
    if (f.assigneeId !== undefined) cells.push(eq(ticketCounts.assignee, P('assigneeCell')));
    // The casts: PostgreSQL's sum() and count() are numeric/bigint, which node-postgres hands over as strings.
    const query = db
      .select({ status: ticketCounts.status, n: sql<number>`cast(sum(${ticketCounts.n}) as integer)` })
      .from(ticketCounts)
      .where(and(...cells))
      .groupBy(ticketCounts.status);
    return prepareAs(db, `queue_counts_${shape}`, query) as unknown as CountStatement;
  }
  const entries: SQL[] = [eq(ticketLabels.tag, P('label'))];
  if (f.priority !== undefined) entries.push(eq(ticketLabels.priority, P('priority')));
  if (f.assigneeId === null) entries.push(isNull(ticketLabels.assigneeId));
  else if (f.assigneeId !== undefined) entries.push(eq(ticketLabels.assigneeId, P('assigneeId')));
  const query = db
    .select({ status: ticketLabels.status, n: sql<number>`cast(count(*) as integer)` })
    .from(ticketLabels)
    .where(and(...entries))
    .groupBy(ticketLabels.status);
  return prepareAs(db, `queue_counts_${shape}`, query) as unknown as CountStatement;
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
  const counts = Object.fromEntries(TICKET_STATUSES.map((s) => [s, 0])) as StatusCounts;
  const shape = countShape(f);
  const rows = await countStatements(db)(shape, f).execute({
    label: f.label,
    priority: f.priority,
    assigneeId: f.assigneeId,
    assigneeCell: f.assigneeId ?? '',
  });
  for (const r of rows) counts[r.status] = r.n;
  return counts;
}
