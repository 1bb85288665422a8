import canonicalize from 'canonicalize';
import { asc, desc } from 'drizzle-orm';
import fp from 'fastify-plugin';
import { createHash } from 'node:crypto';
import type { Db } from '../../../db/client';
import { audit } from '../../../db/schema';
import { nowSeconds } from './tokens';

/** prevHash of the first audit row: 32 zero bytes. */
export const AUDIT_GENESIS_HASH = Buffer.alloc(32).toString('base64url');

export type AuditDetail = Record<string, unknown>;
export type AuditVerification = { ok: true; count: number } | { ok: false; count: number; brokenAt: number };

declare module 'fastify' {
  interface FastifyInstance {
    /** Appends one hash-chained audit row; returns its seq and hash. */
    appendAudit(actorStaffId: string | null, action: string, target: string | null, detail?: AuditDetail): { seq: number; hash: string };
    verifyAuditChain(): AuditVerification;
  }
}

interface AuditFields {
  seq: number;
  at: number;
  actorStaffId: string | null;
  action: string;
  target: string | null;
  detail: string;
}

/**
 * hash = BLAKE2b(prevHash bytes || RFC 8785 canonical JSON of the row), 32 bytes, base64url.
 * BLAKE2b-512 truncated via node:crypto for now: protocol/ does not yet export a generic hash;
 * switch to it (and add a migration note) once it does.
 */
export function auditRowHash(prevHash: string, row: AuditFields): string {
  const canonical = canonicalize({
    seq: row.seq,
    at: row.at,
    actorStaffId: row.actorStaffId,
    action: row.action,
    target: row.target,
    detail: JSON.parse(row.detail) as unknown,
  });
  if (canonical === undefined) throw new Error('audit row is not canonicalisable');
  return createHash('blake2b512')
    .update(Buffer.from(prevHash, 'base64url'))
    .update(canonical, 'utf8')
    .digest()
    .subarray(0, 32)
    .toString('base64url');
}

export function appendAuditRow(
  db: Db,
  actorStaffId: string | null,
  action: string,
  target: string | null,
  detail: AuditDetail = {},
): { seq: number; hash: string } {
  // Immediate transaction: two writers must not both chain onto the same previous row.
  return db.transaction(
    (tx) => {
      const last = tx.select({ seq: audit.seq, hash: audit.hash }).from(audit).orderBy(desc(audit.seq)).limit(1).get();
      const prevHash = last?.hash ?? AUDIT_GENESIS_HASH;
      const row: AuditFields = {
        seq: (last?.seq ?? 0) + 1,
        at: nowSeconds(),
        actorStaffId,
        action,
        target,
        detail: JSON.stringify(detail),
      };
      const hash = auditRowHash(prevHash, row);
      tx.insert(audit).values({ ...row, prevHash, hash }).run();
      return { seq: row.seq, hash };
    },
    { behavior: 'immediate' },
  );
}

/** Recomputes the whole chain; reports the first row whose link or hash does not match. */
export function verifyAuditRows(db: Db): AuditVerification {
  let prevHash = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const row of db.select().from(audit).orderBy(asc(audit.seq)).all()) {
    if (row.seq !== expectedSeq || row.prevHash !== prevHash || auditRowHash(prevHash, row) !== row.hash) {
      return { ok: false, count, brokenAt: row.seq };
    }
    prevHash = row.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count };
}

export default fp(
  async (app) => {
    app.decorate('appendAudit', (actorStaffId: string | null, action: string, target: string | null, detail?: AuditDetail) =>
      appendAuditRow(app.db, actorStaffId, action, target, detail),
    );
    app.decorate('verifyAuditChain', () => verifyAuditRows(app.db));
  },
  { name: 'audit', dependencies: ['db'] },
);
