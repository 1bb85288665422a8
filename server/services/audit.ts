// Reading the audit chain for admins (GET /api/admin/audit). Writing and verifying it is the
// audit plugin's job (plugins/app/audit.ts).
import { asc, gt } from 'drizzle-orm';
import type { AuditPage } from '../../contract/index';
import type { Db } from '../../db/client';
import { audit } from '../../db/schema';

/** Rows with seq > after, oldest first; nextAfter is set when another page exists. */
export function auditPage(db: Db, after: number, limit: number): AuditPage {
  // One extra row tells whether another page exists without a second query.
  const rows = db
    .select()
    .from(audit)
    .where(gt(audit.seq, after))
    .orderBy(asc(audit.seq))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  return {
    entries: page.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> })),
    nextAfter: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null,
  };
}
