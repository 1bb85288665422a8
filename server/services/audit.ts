// Reading the audit chain for admins (GET /api/admin/audit). Writing and verifying it is the
// audit plugin's job (plugins/app/audit.ts).
import { and, asc, eq, gt, gte, or, sql, type SQL } from 'drizzle-orm';
import type { AuditPage } from '../../contract/index';
import { tables, type Db } from './data';
import { verifyAuditRows } from '../plugins/app/audit';

export interface AuditFilter {
  /** Actor staffId. */
  who?: string | undefined;
  /** An action ("staff.disable") or a family ("staff": every "staff.…" action). */
  what?: string | undefined;
  /** Unix seconds: rows at or after. */
  since?: number | undefined;
}

/**
 * Rows with seq > after that match the filter, oldest first; nextAfter is set when another page
 * exists. `chain` is the whole chain recomputed now (verifyAuditRows), whatever the filter: a
 * filtered page cannot prove its own links, the full recomputation can.
 */
export async function auditPage(db: Db, after: number, limit: number, filter: AuditFilter = {}): Promise<AuditPage> {
  const { audit } = tables(db);
  const conditions: SQL[] = [gt(audit.seq, after)];
  if (filter.who !== undefined) conditions.push(eq(audit.actorStaffId, filter.who));
  if (filter.what !== undefined) {
    const family = `${filter.what}.`;
    conditions.push(or(eq(audit.action, filter.what), sql`substr(${audit.action}, 1, ${family.length}) = ${family}`)!);
  }
  if (filter.since !== undefined) conditions.push(gte(audit.at, filter.since));
  // One extra row tells whether another page exists without a second query.
  const rows = await db
    .select()
    .from(audit)
    .where(and(...conditions))
    .orderBy(asc(audit.seq))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const chain = await verifyAuditRows(db);
  return {
    entries: page.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> })),
    nextAfter: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null,
    chain: { ok: chain.ok, count: chain.count, brokenAt: chain.ok ? null : chain.brokenAt },
  };
}
