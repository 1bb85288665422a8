// The desk's public identity and policy (GET /api/desk) and the liveness probe.
import { eq, sql } from 'drizzle-orm';
import { DESK_LANGUAGES, type DeskInfo, type DeskPolicy } from '../../contract/index';
import type { Config } from '../config';
import { AppError, mapStorageError } from '../errors';
import { dialectOf, rawRows, tables, type Db } from './data';
import { hasAdmin } from '../plugins/app/desk';

export async function deskInfo(db: Db, config: Config): Promise<DeskInfo> {
  const { desk } = tables(db);
  const [row] = await db.select().from(desk).where(eq(desk.id, 1));
  if (!row) throw new Error('desk row missing');
  return {
    deskId: row.deskId,
    fingerprint: row.fingerprint,
    setupComplete: row.fingerprint !== null && (await hasAdmin(db)),
    policy: {
      powDifficulty: config.powDifficulty,
      maxAttachmentBytes: config.maxAttachmentBytes,
      maxTicketBytes: config.maxTicketBytes,
      languages: [...DESK_LANGUAGES],
    },
  };
}

/**
 * The desk policy as it stands, for admins (GET /api/admin/policy). Decision (issue 10): only the
 * two-factor requirement is editable at run time (PUT /api/admin/two-factor/policy, which only
 * tightens or loosens sign-in and is audited). The rest is operator configuration (environment,
 * docs/OPERATIONS.md): lowering the proof of work, raising quotas or shortening retention from
 * a web session would let one stolen admin session quietly open the desk to floods or delete
 * history, and the operator who runs the machine would not see it in their configuration.
 */
export async function deskPolicy(db: Db, config: Config): Promise<DeskPolicy> {
  const { desk } = tables(db);
  const [row] = await db.select({ twoFactorRequired: desk.twoFactorRequired }).from(desk).where(eq(desk.id, 1));
  return {
    powDifficulty: config.powDifficulty,
    retentionDays: config.retentionDays,
    maxAttachmentBytes: config.maxAttachmentBytes,
    maxTicketBytes: config.maxTicketBytes,
    quotas: { openTicketsPerRequester: config.quotas.openTicketsPerRequester, messagesPerHour: config.quotas.messagesPerHour },
    twoFactorRequired: row?.twoFactorRequired ?? false,
    editable: ['twoFactorRequired'],
  };
}

/**
 * A real round trip to SQLite plus a cheap writability probe: throws `storage_unavailable` when
 * the connection cannot write (query_only, a read-only file or mount, a lock held past the busy
 * timeout) and `storage_full` when the database has no page left to grow into. The probe takes
 * the write lock and releases it (BEGIN IMMEDIATE; ROLLBACK): nothing is written.
 */
export async function checkDatabase(db: Db): Promise<void> {
  if (dialectOf(db) === 'pg') return checkPostgres(db);
  await rawRows(db, sql`select 1`);
  // eslint-disable-next-line no-restricted-syntax -- SQLite's own probe: pragmas and the write lock.
  const sqlite = db.$client;
  if (sqlite.pragma('query_only', { simple: true }) === 1) throw new AppError('storage_unavailable', 'the database is not writable');
  const pages = sqlite.pragma('page_count', { simple: true }) as number;
  const maxPages = sqlite.pragma('max_page_count', { simple: true }) as number;
  const freePages = sqlite.pragma('freelist_count', { simple: true }) as number;
  if (pages >= maxPages && freePages === 0) throw new AppError('storage_full', 'the database is full');
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    sqlite.exec('ROLLBACK');
  } catch (err) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    const mapped = typeof err === 'object' && err !== null ? mapStorageError(err) : undefined;
    if (mapped) throw new AppError(mapped.code, 'the database is not writable');
    throw err;
  }
}

/** PostgreSQL: a round trip, and refuse a read-only server (a standby after a failover went wrong). */
async function checkPostgres(db: Db): Promise<void> {
  try {
    const [row] = await rawRows<{ ro: string }>(db, sql`select current_setting('transaction_read_only') as "ro"`);
    if (row?.ro === 'on') throw new AppError('storage_unavailable', 'the database is not writable');
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('storage_unavailable', 'the database is not reachable');
  }
}
