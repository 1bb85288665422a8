import canonicalize from 'canonicalize';
import { asc, desc } from 'drizzle-orm';
import fp from 'fastify-plugin';
import { createHash } from 'node:crypto';
import { tables, transaction, type Db } from '../../services/data';
import { hourFloor } from '../../services/quotas';
import { nowSeconds } from './tokens';

/** prevHash of the first audit row: 32 zero bytes. */
export const AUDIT_GENESIS_HASH = Buffer.alloc(32).toString('base64url');

export type AuditDetail = Record<string, unknown>;
export type AuditVerification = { ok: true; count: number } | { ok: false; count: number; brokenAt: number };

declare module 'fastify' {
  interface FastifyInstance {
    /** Appends one hash-chained audit row; returns its seq and hash. */
    appendAudit(actorStaffId: string | null, action: string, target: string | null, detail?: AuditDetail): Promise<{ seq: number; hash: string }>;
    verifyAuditChain(): Promise<AuditVerification>;
    /** Counts a failed staff sign-in: one audit row per username per hour, then a counter. */
    recordFailedSignIn(username: string): Promise<void>;
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
  return createHash('blake2b512').update(Buffer.from(prevHash, 'base64url')).update(canonical, 'utf8').digest().subarray(0, 32).toString('base64url');
}

export function appendAuditRow(db: Db, actorStaffId: string | null, action: string, target: string | null, detail: AuditDetail = {}): Promise<{ seq: number; hash: string }> {
  // One transaction (nested in the caller's when there is one): two writers must not both chain
  // onto the same previous row (SQLite: one writer; PostgreSQL: SERIALIZABLE, and seq is the key).
  return transaction(db, async (tx) => {
    const { audit } = tables(tx);
    const [last] = await tx.select({ seq: audit.seq, hash: audit.hash }).from(audit).orderBy(desc(audit.seq)).limit(1);
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
    await tx.insert(audit).values({ ...row, prevHash, hash });
    return { seq: row.seq, hash };
  });
}

/** Recomputes the whole chain; reports the first row whose link or hash does not match. */
export async function verifyAuditRows(db: Db): Promise<AuditVerification> {
  const { audit } = tables(db);
  let prevHash = AUDIT_GENESIS_HASH;
  let expectedSeq = 1;
  let count = 0;
  for (const row of await db.select().from(audit).orderBy(asc(audit.seq))) {
    if (row.seq !== expectedSeq || row.prevHash !== prevHash || auditRowHash(prevHash, row) !== row.hash) {
      return { ok: false, count, brokenAt: row.seq };
    }
    prevHash = row.hash;
    expectedSeq += 1;
    count += 1;
  }
  return { ok: true, count };
}

/** Audit actions of failed staff sign-ins: the first of an hour, then the hour's total. */
export const FAILED_SIGN_IN_ACTION = 'staff.login_failed';
export const FAILED_SIGN_IN_TALLY_ACTION = 'staff.login_failed_tally';
/** Distinct usernames given their own rows per hour; the rest are counted under `*`. */
export const FAILED_SIGN_IN_NAMES_PER_HOUR = 100;
const OTHER_NAMES = '*';

interface FailureTally {
  hour: number;
  counts: Map<string, number>;
}
const tallies = new WeakMap<Db, FailureTally>();

/**
 * SECURITY (availability): failed sign-ins are audited, but a guessing flood must not grow the
 * append-only chain without bound. Per username and hour the first failure appends a chained row
 * at once (`{hour}`); later ones are counted in memory and written as one `{hour, count}` tally
 * row when the hour is over (or the app closes). Past FAILED_SIGN_IN_NAMES_PER_HOUR distinct
 * names in an hour, failures are pooled under `*`, so spraying random names stays bounded too.
 * Unknown usernames are counted alike, so the log does not tell which names exist.
 */
export async function recordFailedSignIn(db: Db, username: string, now = nowSeconds()): Promise<void> {
  const hour = hourFloor(now);
  let tally = tallies.get(db);
  if (tally && tally.hour !== hour) await flushFailedSignIns(db);
  tally = tallies.get(db);
  if (!tally) tallies.set(db, (tally = { hour, counts: new Map() }));
  let name = username.slice(0, 64);
  if (!tally.counts.has(name) && tally.counts.size >= FAILED_SIGN_IN_NAMES_PER_HOUR) name = OTHER_NAMES;
  const seen = tally.counts.get(name) ?? 0;
  tally.counts.set(name, seen + 1);
  if (seen === 0) await appendAuditRow(db, null, FAILED_SIGN_IN_ACTION, name, { hour });
}

/** Writes the pending hour's tallies (names that failed more than once) and forgets them. */
export async function flushFailedSignIns(db: Db): Promise<void> {
  const tally = tallies.get(db);
  tallies.delete(db);
  if (!tally) return;
  for (const [name, count] of tally.counts) {
    if (count > 1) await appendAuditRow(db, null, FAILED_SIGN_IN_TALLY_ACTION, name, { hour: tally.hour, count });
  }
}

export default fp(
  async (app) => {
    app.decorate('appendAudit', (actorStaffId: string | null, action: string, target: string | null, detail?: AuditDetail) =>
      appendAuditRow(app.db, actorStaffId, action, target, detail),
    );
    app.decorate('verifyAuditChain', () => verifyAuditRows(app.db));
    app.decorate('recordFailedSignIn', (username: string) => recordFailedSignIn(app.db, username));
    // Hour boundaries pass without a failure too: write the finished hour's tallies.
    const flusher = setInterval(() => {
      const tally = tallies.get(app.db);
      if (tally && tally.hour !== hourFloor(nowSeconds())) flushFailedSignIns(app.db).catch((err: unknown) => app.log.error({ err }, 'audit: writing the sign-in tallies failed'));
    }, 60_000);
    flusher.unref();
    // preClose: before any onClose hook closes the database.
    app.addHook('preClose', async () => {
      clearInterval(flusher);
      await flushFailedSignIns(app.db);
    });
  },
  { name: 'audit', dependencies: ['db'] },
);
